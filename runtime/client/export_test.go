package client

// WriteLockHeld reports whether a write holds the client's write lock.
func WriteLockHeld(c *Client) bool { return len(c.wlock) == 1 }
