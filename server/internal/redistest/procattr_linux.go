package redistest

import "syscall"

// sysProcAttr makes the kernel SIGTERM redis-server when the test binary
// dies (a panic, or go test's -timeout), so no server outlives its test.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
