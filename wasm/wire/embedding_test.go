package wire

import (
	"os"
	"strings"
	"testing"
)

// TestEmbeddingExample: the input wasm/EMBEDDING.md shows is one the
// codec reads, and every request of it is decided (its expectation met).
func TestEmbeddingExample(t *testing.T) {
	doc, err := os.ReadFile("../EMBEDDING.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "```json\n")
	block, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("no ```json block in EMBEDDING.md")
	}
	in, err := decodeInput([]byte(block))
	if err != nil {
		t.Fatalf("EMBEDDING.md's input: %v", err)
	}
	out := Evaluate(in)
	if out.Error != "" || len(out.Results) != len(in.Requests) {
		t.Fatalf("EMBEDDING.md's input: %+v", out)
	}
	expects := 0
	for i, rr := range out.Results {
		if rr.Error != "" || len(rr.Predictions) == 0 {
			t.Errorf("request %d: %q", i, rr.Error)
		}
		if in.Requests[i].Expect != nil {
			expects++
			if rr.Expect == nil || !rr.Expect.Met {
				t.Errorf("request %d: expectation %+v not met: %+v", i, in.Requests[i].Expect, rr.Expect)
			}
		}
	}
	if expects == 0 {
		t.Error("EMBEDDING.md's input shows no expectation")
	}
}
