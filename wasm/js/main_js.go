// Command js is tcpwrap for JavaScript (GOOS=js GOARCH=wasm): run under
// Go's wasm_exec.js, it registers
//
//	globalThis.tcpwrap = {version, goVersion, evaluate, evaluateJSON, check, format, diff}
//
// and stays alive to answer calls. evaluate takes a plain object in the
// shape of wire.Input and returns a plain object in the shape of
// wire.Output; evaluateJSON does the same on JSON text. check and format
// take the same input (their requests are ignored) and return
// wire.CheckOutput (the tables' diagnostics) and wire.FormatOutput (the
// tables in the canonical layout). diff takes the same input with "old"
// tables and returns wire.DiffOutput: the requests they decide otherwise.
// None ever throws: bad input and every Go panic come back as {error: "..."}, and
// the instance keeps answering afterwards. It never touches the DOM.
//
// Build (see wasm/EMBEDDING.md and the Makefile's wasm target):
//
//	GOOS=js GOARCH=wasm go build -trimpath -ldflags='-s -w' -o tcpwrap.wasm ./wasm/js
//	cp "$(go env GOROOT)/lib/wasm/wasm_exec.js" .
package main

import (
	"runtime"
	"strconv"
	"syscall/js"

	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

func main() {
	// One instance decides one evolving policy call after call (the
	// playground's workers): an edit of hosts.allow does not parse a long
	// hosts.deny again.
	tables := &wire.TableCache{}
	api := js.Global().Get("Object").New()
	api.Set("version", wire.Version)
	api.Set("goVersion", runtime.Version())
	api.Set("evaluate", js.FuncOf(objectCall(tables.EvaluateJSON)))
	api.Set("evaluateJSON", js.FuncOf(textCall(tables.EvaluateJSON)))
	api.Set("check", js.FuncOf(objectCall(tables.CheckJSON)))
	api.Set("format", js.FuncOf(objectCall(wire.FormatJSON)))
	api.Set("diff", js.FuncOf(objectCall(tables.DiffJSON)))
	js.Global().Set("tcpwrap", api)
	select {} // keep answering
}

// objectCall makes a JS function of one of wire's JSON functions: an
// object (or JSON text) in, a plain object out; never a throw.
func objectCall(call func([]byte) []byte) func(js.Value, []js.Value) any {
	return func(_ js.Value, args []js.Value) (result any) {
		jsonObj := js.Global().Get("JSON")
		defer func() {
			if v := recover(); v != nil {
				result = errorObject(panicText(v))
			}
		}()
		text, errMsg := inputText(args, true)
		if errMsg != "" {
			return errorObject(errMsg)
		}
		return jsonObj.Call("parse", string(call([]byte(text))))
	}
}

// textCall makes tcpwrap.evaluateJSON(input: string): string of one of
// wire's JSON functions: JSON text in and out; never a throw.
func textCall(call func([]byte) []byte) func(js.Value, []js.Value) any {
	return func(_ js.Value, args []js.Value) (result any) {
		defer func() {
			if v := recover(); v != nil {
				result = string(wire.ErrorJSON(panicText(v)))
			}
		}()
		text, errMsg := inputText(args, false)
		if errMsg != "" {
			return string(wire.ErrorJSON(errMsg))
		}
		return string(call([]byte(text)))
	}
}

// inputText returns the JSON text of the call's one argument: a string as
// is, an object (when objects are allowed) through JSON.stringify, whose
// exceptions (cycles, BigInt) panic into the caller's recover. Sizes are
// checked by package wire.
func inputText(args []js.Value, objects bool) (string, string) {
	if len(args) != 1 {
		return "", "want 1 argument, got " + strconv.Itoa(len(args))
	}
	a := args[0]
	switch {
	case a.Type() == js.TypeString:
		return a.String(), ""
	case objects && a.Type() == js.TypeObject && !a.IsNull():
		return stringify(a)
	case objects:
		return "", "want an input object, got " + a.Type().String()
	}
	return "", "want a JSON string, got " + a.Type().String()
}

func errorObject(msg string) js.Value {
	o := js.Global().Get("Object").New()
	o.Set("error", msg)
	return o
}

// stringify is JSON.stringify(v), with its exceptions (a cycle, a BigInt)
// as an error message.
func stringify(v js.Value) (text, errMsg string) {
	defer func() {
		if p := recover(); p != nil {
			text, errMsg = "", "input cannot be converted to JSON: "+panicValue(p)
		}
	}()
	s := js.Global().Get("JSON").Call("stringify", v)
	if s.Type() != js.TypeString {
		return "", "input cannot be converted to JSON"
	}
	return s.String(), ""
}

// panicText is "internal error: " and the panic value v.
func panicText(v any) string { return "internal error: " + panicValue(v) }

// panicValue is a panic value as fmt's %v prints an error or a string
// (the module leaves fmt out to stay small).
func panicValue(v any) string {
	switch v := v.(type) {
	case error:
		return v.Error()
	case string:
		return v
	}
	return "panic with a value that is not an error or a string"
}
