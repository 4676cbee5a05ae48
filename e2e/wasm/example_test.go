package wasmtest

import (
	"os/exec"
	"testing"
)

// TestNodeExample runs wasm/wasip1/example.mjs, the documented Node
// embedding, and checks what it prints.
func TestNodeExample(t *testing.T) {
	needNode(t)
	out, err := exec.Command(modules.node, "--no-warnings", "../../wasm/wasip1/example.mjs", modules.reactor).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := `sshd 10.0.0.1: granted (/etc/hosts.allow line 1 matched: access is granted)
sshd 10.0.0.9: denied (/etc/hosts.deny line 1 matched: access is denied)
decide sshd 10.0.0.1: granted, hosts.allow line 1
`
	if string(out) != want {
		t.Errorf("example.mjs printed\n%s\nwant\n%s", out, want)
	}
}
