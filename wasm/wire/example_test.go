package wire_test

import (
	"fmt"

	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

func ExampleEvaluate() {
	deny := "ALL: ALL\n"
	out := wire.Evaluate(wire.Input{
		Policy:   wire.Policy{Deny: &deny},
		Requests: []wire.Request{{Daemon: "sshd", Client: "10.0.0.1"}, {Daemon: "sshd", Client: "nohost"}},
	})
	p := out.Results[0].Predictions[0]
	fmt.Println(p.Access, p.Matched.Path, p.Matched.Line, p.Matched.Text)
	fmt.Println(out.Results[1].Error)
	// Output:
	// denied /etc/hosts.deny 1 ALL: ALL
	// nohost: host not found
}

func ExampleEvaluateJSON() {
	fmt.Println(string(wire.EvaluateJSON([]byte(`{"version": 7}`))))
	// Output:
	// {"error":"unsupported version 7 (this module speaks version 1)"}
}
