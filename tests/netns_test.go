//go:build apiserver || node

package tests

import (
	"errors"
	"net"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// listen listens on an address of the host.
func (h processHost) listen(network, address string) (net.Listener, error) {
	if h.netns == "" {
		return net.Listen(network, address)
	}
	var listener net.Listener
	err := inNetns("/run/netns/"+h.netns, func() (err error) {
		listener, err = net.Listen(network, address)
		return err
	})
	return listener, err
}

// inNetns runs f on a thread that has entered the namespace at path, so that
// the sockets f opens belong to it.
func inNetns(path string, f func() error) error {
	runtime.LockOSThread()
	origin, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer origin.Close()
	target, err := os.Open(path)
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return err
	}
	ferr := f()
	// A thread that cannot go back stays locked, so that Go retires it.
	if err := unix.Setns(int(origin.Fd()), unix.CLONE_NEWNET); err != nil {
		return errors.Join(ferr, err)
	}
	runtime.UnlockOSThread()
	return ferr
}
