// Reading the process table and the socket table from /proc.
//
// Two questions are answered here, both about the processes a worker slot
// started (its supervisor and everything below it):
//
//   - which processes they are: the children of a process are listed in
//     /proc/<pid>/task/<tid>/children (one file per thread, since a child
//     belongs to the thread that forked it); kernels built without
//     CONFIG_PROC_CHILDREN lack those files, and then every
//     /proc/<pid>/stat is read for its parent pid;
//   - whether one of them holds a given TCP connection: sock_diag (see
//     sockdiag_linux.go) or, failing it, /proc/net/tcp (and tcp6, for IPv6
//     sockets speaking to an IPv4 address) maps the connection's two
//     addresses to its socket inode, and
//     /proc/<pid>/fd/* of a process that holds the socket links to
//     "socket:[inode]".

package function

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// descendants returns the pids of every process below root, root excluded.
func descendants(root int) []int {
	var out []int
	if _, err := os.Stat("/proc/" + strconv.Itoa(root) + "/task"); err != nil {
		return nil
	}
	if kids, ok := children(root); ok {
		queue := kids
		for len(queue) > 0 {
			pid := queue[0]
			queue = queue[1:]
			out = append(out, pid)
			more, _ := children(pid)
			queue = append(queue, more...)
		}
		return out
	}
	return descendantsByStat(root)
}

// children lists pid's children from its threads' children files; ok is
// false when the kernel does not provide them.
func children(pid int) (kids []int, ok bool) {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return nil, true // gone: no children
	}
	for _, t := range tasks {
		b, err := os.ReadFile(dir + "/" + t.Name() + "/children")
		if errors.Is(err, os.ErrNotExist) {
			if _, serr := os.Stat(dir + "/" + t.Name()); serr == nil {
				return nil, false // the task exists, the file does not
			}
			continue // the thread ended meanwhile
		}
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil {
				kids = append(kids, n)
			}
		}
	}
	return kids, true
}

// descendantsByStat builds the parent map from every /proc/<pid>/stat.
func descendantsByStat(root int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	byParent := map[int][]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, ok := parentOf(pid); ok {
			byParent[ppid] = append(byParent[ppid], pid)
		}
	}
	var out []int
	queue := byParent[root]
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		out = append(out, pid)
		queue = append(queue, byParent[pid]...)
	}
	return out
}

// statFields returns the fields of /proc/<pid>/stat after the command
// name, which is parenthesised and may itself hold spaces and parentheses:
// fields[0] is the state, fields[1] the parent pid, fields[19] the start
// time.
func statFields(pid int) ([]string, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return nil, false
	}
	return strings.Fields(string(b[i+1:])), true
}

func parentOf(pid int) (int, bool) {
	f, ok := statFields(pid)
	if !ok || len(f) < 2 {
		return 0, false
	}
	ppid, err := strconv.Atoi(f[1])
	return ppid, err == nil
}

// startTime is the process's start time in clock ticks since boot, which
// tells a process from a later one that reused its pid.
func startTime(pid int) (string, bool) {
	f, ok := statFields(pid)
	if !ok || len(f) < 20 || f[0] == "Z" || f[0] == "X" {
		return "", false
	}
	return f[19], true
}

// socketInode finds the inode of the TCP socket whose own address is self
// and whose peer is peer, in ESTABLISHED state.
func socketInode(self, peer netip.AddrPort) (uint64, error) {
	switch ino, err := diagInode(self, peer); {
	case err == nil && ino != 0:
		return ino, nil
	case err == nil:
		return 0, fmt.Errorf("no established TCP socket %v -> %v", self, peer)
	}
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		v6 := strings.HasSuffix(table, "6")
		if !v6 && !(self.Addr().Is4() || self.Addr().Is4In6()) {
			continue
		}
		ino, err := findSocket(table, procAddr(self, v6), procAddr(peer, v6))
		if err != nil || ino != 0 {
			return ino, err
		}
	}
	return 0, fmt.Errorf("no established TCP socket %v -> %v", self, peer)
}

func findSocket(table, self, peer string) (uint64, error) {
	f, err := os.Open(table)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return 0, nil
		}
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	var fields [10][]byte
	for sc.Scan() {
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
		// A busy host lists thousands of sockets: split without allocating.
		if splitFields(sc.Bytes(), fields[:]) < len(fields) ||
			string(fields[1]) != self || string(fields[2]) != peer || string(fields[3]) != "01" {
			continue
		}
		ino, err := strconv.ParseUint(string(fields[9]), 10, 64)
		if err != nil || ino == 0 {
			continue
		}
		return ino, nil
	}
	return 0, sc.Err()
}

// splitFields fills out with the first len(out) space-separated fields of
// line and returns how many it found.
func splitFields(line []byte, out [][]byte) int {
	n := 0
	for n < len(out) {
		for len(line) > 0 && line[0] == ' ' {
			line = line[1:]
		}
		if len(line) == 0 {
			break
		}
		end := bytes.IndexByte(line, ' ')
		if end < 0 {
			end = len(line)
		}
		out[n] = line[:end]
		line = line[end:]
		n++
	}
	return n
}

// procAddr formats an address as /proc/net/tcp{,6} prints it: the address
// as 32-bit words in the kernel's (native) byte order, in hex, then the
// port in hex.
func procAddr(ap netip.AddrPort, v6 bool) string {
	var b []byte
	if v6 {
		a := ap.Addr().As16()
		b = a[:]
	} else {
		a := ap.Addr().Unmap().As4()
		b = a[:]
	}
	var sb strings.Builder
	for i := 0; i < len(b); i += 4 {
		fmt.Fprintf(&sb, "%08X", binary.NativeEndian.Uint32(b[i:i+4]))
	}
	fmt.Fprintf(&sb, ":%04X", ap.Port())
	return sb.String()
}

// holdsSocket reports whether pid has a file descriptor on socket inode.
func holdsSocket(pid int, inode uint64) bool {
	dir := "/proc/" + strconv.Itoa(pid) + "/fd/"
	fds, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	want := "socket:[" + strconv.FormatUint(inode, 10) + "]"
	for _, fd := range fds {
		if link, err := os.Readlink(dir + fd.Name()); err == nil && link == want {
			return true
		}
	}
	return false
}
