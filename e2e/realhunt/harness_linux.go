package realhunt

import "github.com/tcpwrap/tcpwrap/e2e/libwrap"

// HarnessCase is c's tables as the libwrap harness (and the drop-ins'
// differential tests) read them.
func (c Case) HarnessCase() libwrap.Case {
	return libwrap.Case{Allow: c.Allow, Deny: c.Deny, Hosts: c.Hosts, Netgroup: c.Netgroup, Files: c.Files}
}

// HarnessRequests are c's requests as the libwrap harness takes them.
func (c Case) HarnessRequests() []libwrap.Request {
	var rs []libwrap.Request
	for _, r := range c.Requests {
		rs = append(rs, libwrap.Request{Daemon: r.Daemon, Client: r.Client, Server: r.Server, User: r.User})
	}
	return rs
}
