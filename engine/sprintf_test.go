package engine

import (
	"errors"
	"fmt"
	"go/ast"
	"go/constant"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"testing"
)

// sprintfTypes lists, for each verb sprintf supports, the argument types
// it prints as fmt.Sprintf does (but %c of a byte, which is that one
// byte, as C prints a char).
var sprintfTypes = map[byte][]string{
	's': {"string", "[]byte", "error", "net/netip.Addr"},
	'v': {"string", "[]byte", "error", "net/netip.Addr", "bool", "int"},
	'd': {"int", "int32", "byte", "uint8", "uint16"},
	'q': {"string", "[]byte"},
	'c': {"byte", "uint8", "int32", "rune"},
}

// TestSprintfCalls type-checks the engine and checks every call of a
// function whose parameters end in (format string, args ...any): a
// constant format, verbs without flags that sprintf knows, one argument
// per verb, of a type sprintf prints as fmt does.
func TestSprintfCalls(t *testing.T) {
	if testing.Short() || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("type-checks the engine from source, natively")
	}
	fset := token.NewFileSet()
	ents, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, e := range ents {
		if n := e.Name(); strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
			f, err := parser.ParseFile(fset, n, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
	}
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}}
	conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil)}
	if _, err := conf.Check("engine", fset, files, info); err != nil {
		t.Fatal(err)
	}
	calls := 0
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sig, ok := info.Types[call.Fun].Type.(*types.Signature)
			if !ok || !sig.Variadic() || sig.Params().Len() < 2 || sig.Params().At(sig.Params().Len()-2).Name() != "format" {
				return true
			}
			pos := fset.Position(call.Pos())
			fi := sig.Params().Len() - 2
			if call.Ellipsis.IsValid() {
				return true // forwards its own format and arguments
			}
			fv := info.Types[call.Args[fi]]
			if fv.Value == nil {
				t.Errorf("%v: the format is not a constant", pos)
				return true
			}
			calls++
			format, args := constant.StringVal(fv.Value), call.Args[fi+1:]
			argN := 0
			for i := 0; i < len(format); i++ {
				if format[i] != '%' {
					continue
				}
				i++
				if i == len(format) {
					t.Errorf("%v: format ends in %%", pos)
					break
				}
				verb := format[i]
				if verb == '%' {
					continue
				}
				if argN == len(args) {
					t.Errorf("%v: %%%c has no argument", pos, verb)
					break
				}
				typ := info.Types[args[argN]].Type.String()
				ok := false
				for _, want := range sprintfTypes[verb] {
					ok = ok || typ == want
				}
				if !ok {
					t.Errorf("%v: %%%c of %s: sprintf does not print it as fmt does", pos, verb, typ)
				}
				argN++
			}
			if argN != len(args) {
				t.Errorf("%v: %d verbs, %d arguments", pos, argN, len(args))
			}
			return true
		})
	}
	if calls < 50 {
		t.Errorf("only %d calls found", calls)
	}
}

// TestSprintf compares sprintf with fmt.Sprintf on every supported verb
// and type.
func TestSprintf(t *testing.T) {
	strs := []string{"", "a b", "x\"y\\z", "\x00\xff\u2028é", "%d"}
	var args [][]any
	for _, s := range strs {
		args = append(args, []any{s}, []any{[]byte(s)}, []any{errors.New(s)})
	}
	for _, a := range []netip.Addr{{}, netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("::ffff:1.2.3.4"), netip.MustParseAddr("fe80::1%eth0")} {
		args = append(args, []any{a})
	}
	for _, n := range []int{0, -1, 42, 1 << 40} {
		args = append(args, []any{n}, []any{int32(n)}, []any{uint16(n)}, []any{byte(n)})
	}
	args = append(args, []any{true}, []any{false}, []any{int32(-5)}, []any{int32(0xD800)}, []any{int32(0x10FFFF + 1)})
	for verb, typs := range sprintfTypes {
		for _, a := range args {
			typ := fmt.Sprintf("%T", a[0])
			if typ == "*errors.errorString" {
				typ = "error"
			}
			if typ == "netip.Addr" {
				typ = "net/netip.Addr"
			}
			ok := false
			for _, want := range typs {
				ok = ok || typ == want
			}
			if !ok {
				continue
			}
			format := "<%" + string(verb) + "> %% "
			want := fmt.Sprintf(format, a...)
			if b, ok := a[0].(byte); ok && verb == 'c' {
				// A byte is one byte, as C's %c prints a char; fmt
				// would print a byte above 0x7f as UTF-8.
				want = "<" + string([]byte{b}) + "> % "
			}
			if got := sprintf(format, a...); got != want {
				t.Errorf("%q of %T %v: got %q, want %q", format, a[0], a[0], got, want)
			}
		}
	}
}
