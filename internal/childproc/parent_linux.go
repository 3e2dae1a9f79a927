package childproc

import "syscall"

// DieWithParent returns the attributes of a child that the kernel kills
// when its parent dies, so that a killed demo or benchmark leaves no
// server behind.
func DieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
