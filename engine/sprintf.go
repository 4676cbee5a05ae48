package engine

import (
	"net/netip"
	"strconv"
)

// sprintf is the part of fmt.Sprintf the engine's messages use, without
// fmt (which would add some 180 KB to the WebAssembly modules): the verbs
// %s, %d, %q, %c and %v without flags, and %%, on the argument types in
// sprintfTypes. It prints what fmt.Sprintf prints for them;
// sprintf_test.go checks every call site of a function with a
// (format string, args ...any) signature against that list, and compares
// sprintf with fmt.Sprintf.
func sprintf(format string, args ...any) string {
	b := make([]byte, 0, len(format)+16*len(args))
	n := 0
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			b = append(b, c)
			continue
		}
		i++
		verb := format[i]
		if verb == '%' {
			b = append(b, '%')
			continue
		}
		if n == len(args) {
			b = append(b, "%!"...)
			b = append(b, verb)
			b = append(b, "(MISSING)"...)
			continue
		}
		b = appendArg(b, verb, args[n])
		n++
	}
	return string(b)
}

func appendArg(b []byte, verb byte, arg any) []byte {
	switch verb {
	case 's', 'v':
		switch a := arg.(type) {
		case string:
			return append(b, a...)
		case []byte:
			return append(b, a...)
		case error:
			return append(b, a.Error()...)
		case netip.Addr:
			return append(b, a.String()...)
		case bool:
			if verb == 'v' {
				return strconv.AppendBool(b, a)
			}
		case int:
			if verb == 'v' {
				return strconv.AppendInt(b, int64(a), 10)
			}
		}
	case 'd':
		switch a := arg.(type) {
		case int:
			return strconv.AppendInt(b, int64(a), 10)
		case int32:
			return strconv.AppendInt(b, int64(a), 10)
		case uint8:
			return strconv.AppendUint(b, uint64(a), 10)
		case uint16:
			return strconv.AppendUint(b, uint64(a), 10)
		}
	case 'q':
		switch a := arg.(type) {
		case string:
			return strconv.AppendQuote(b, a)
		case []byte:
			return strconv.AppendQuote(b, string(a))
		}
	case 'c':
		switch a := arg.(type) {
		case uint8:
			return append(b, a) // one byte, as C prints a char
		case int32:
			return append(b, string(a)...)
		}
	}
	// Never reached: sprintf_test.go checks every call.
	b = append(b, "%!"...)
	b = append(b, verb)
	return append(b, "(unsupported)"...)
}
