//go:build linux

package difftest

import (
	"net/netip"
	"strconv"
	"testing"
)

func addrPort(t *testing.T, addr, port string) netip.AddrPort {
	if addr == "-" {
		return netip.AddrPort{}
	}
	a, err := netip.ParseAddr(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		t.Fatal(err)
	}
	return netip.AddrPortFrom(a, uint16(n))
}
