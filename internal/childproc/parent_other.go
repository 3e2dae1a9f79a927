//go:build !linux

package childproc

import "syscall"

// DieWithParent returns no attributes: the parent-death signal is Linux's,
// and elsewhere a child outlives a parent that was killed (Stop still ends
// it).
func DieWithParent() *syscall.SysProcAttr { return nil }
