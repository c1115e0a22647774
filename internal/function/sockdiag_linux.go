// Finding a TCP socket's inode by its addresses with the kernel's
// sock_diag netlink interface (NETLINK_INET_DIAG, "man 7 sock_diag").
//
// /proc/net/tcp answers the same question but lists every socket of the
// network namespace: on a busy host (thousands of sockets) generating and
// scanning it costs milliseconds, once per worker start. An exact
// sock_diag request names the socket by its four-tuple and costs
// microseconds. When netlink is unavailable (a seccomp policy, an old
// kernel), socketInode falls back to the /proc tables.

package function

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"syscall"
)

const (
	netlinkInetDiag   = 4  // NETLINK_INET_DIAG
	sockDiagByFamily  = 20 // SOCK_DIAG_BY_FAMILY
	tcpEstablished    = 1  // TCP_ESTABLISHED
	nlmsgHeaderLen    = 16
	inetDiagReqLen    = 56 // struct inet_diag_req_v2
	inetDiagMsgInode  = nlmsgHeaderLen + 68
	inetDiagNoCookie  = ^uint32(0)
	inetDiagReplyMinL = inetDiagMsgInode + 4
)

var errNoSockDiag = errors.New("sock_diag unavailable")

// diagInode asks the kernel for the inode of the ESTABLISHED TCP socket
// whose own address is self and whose peer is peer. It returns 0 when there
// is no such socket, errNoSockDiag when the interface cannot be used.
func diagInode(self, peer netip.AddrPort) (uint64, error) {
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, netlinkInetDiag)
	if err != nil {
		return 0, errNoSockDiag
	}
	defer syscall.Close(fd)
	families := []uint8{syscall.AF_INET, syscall.AF_INET6}
	if !self.Addr().Unmap().Is4() {
		families = families[1:]
	}
	for _, family := range families {
		ino, err := diagOne(fd, family, self, peer)
		if err != nil || ino != 0 {
			return ino, err
		}
	}
	return 0, nil
}

func diagOne(fd int, family uint8, self, peer netip.AddrPort) (uint64, error) {
	msg := make([]byte, nlmsgHeaderLen+inetDiagReqLen)
	ne := binary.NativeEndian
	ne.PutUint32(msg[0:], uint32(len(msg)))
	ne.PutUint16(msg[4:], sockDiagByFamily)
	ne.PutUint16(msg[6:], syscall.NLM_F_REQUEST)
	ne.PutUint32(msg[8:], 1) // sequence
	req := msg[nlmsgHeaderLen:]
	req[0] = family
	req[1] = syscall.IPPROTO_TCP
	ne.PutUint32(req[4:], 1<<tcpEstablished)
	id := req[8:] // struct inet_diag_sockid
	binary.BigEndian.PutUint16(id[0:], self.Port())
	binary.BigEndian.PutUint16(id[2:], peer.Port())
	putAddr(id[4:20], self.Addr(), family)
	putAddr(id[20:36], peer.Addr(), family)
	ne.PutUint32(id[40:], inetDiagNoCookie)
	ne.PutUint32(id[44:], inetDiagNoCookie)
	if err := syscall.Sendto(fd, msg, 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return 0, errNoSockDiag
	}
	buf := make([]byte, 4096)
	n, _, err := syscall.Recvfrom(fd, buf, 0)
	if err != nil || n < nlmsgHeaderLen+4 {
		return 0, errNoSockDiag
	}
	buf = buf[:n]
	switch ne.Uint16(buf[4:]) {
	case syscall.NLMSG_ERROR:
		errno := syscall.Errno(-int32(ne.Uint32(buf[nlmsgHeaderLen:])))
		if errno == syscall.ENOENT {
			return 0, nil // no such socket in this family
		}
		return 0, errNoSockDiag
	case sockDiagByFamily:
		if n < inetDiagReplyMinL {
			return 0, errNoSockDiag
		}
		return uint64(ne.Uint32(buf[inetDiagMsgInode:])), nil
	}
	return 0, errNoSockDiag
}

// putAddr writes a as inet_diag_sockid spells it: 4 bytes for AF_INET, 16
// (v4-mapped for an IPv4 address) for AF_INET6.
func putAddr(dst []byte, a netip.Addr, family uint8) {
	if family == syscall.AF_INET {
		b := a.Unmap().As4()
		copy(dst, b[:])
		return
	}
	b := a.As16()
	copy(dst, b[:])
}
