package envoy

import (
	"fmt"
	"strings"
)

// Blocklist is a hosts.deny of n lines, each denying one address of
// 172.16.0.0/12 to every daemon (172.16.0.0, 172.16.0.1, ...): the kind of
// table whose size sets the filter's live heap.
func Blocklist(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "ALL: 172.%d.%d.%d\n", 16+i>>16&15, i>>8&255, i&255)
	}
	return b.String()
}
