package main

import "github.com/tcpwrap/tcpwrap/wasm/envoy/filter"

// The host calls made on every decision go straight to the host instead
// of through the SDK, which would allocate (as do the property reads,
// package hostcall).
//
// setFilterState: the SDK's SetProperty serialises the property path anew
// on every call; this sends one serialised once. The host copies the
// value during the call, and value is never written to afterwards anyway
// (a host that keeps it, as proxytest does, still reads the right bytes).

//go:wasmimport env proxy_set_property
func proxySetProperty(path *byte, pathSize int32, value *byte, valueSize int32) uint32

// filterStatePath is FilterStateRule as proxy-wasm passes a path (its
// elements joined by NUL bytes; it has one).
var filterStatePath = []byte(filter.StateKey)

// setFilterState stores value as the deciding rule's filter state.
func setFilterState(value []byte) {
	if len(value) > 0 {
		proxySetProperty(&filterStatePath[0], int32(len(filterStatePath)), &value[0], int32(len(value)))
	}
}

//go:wasmimport env proxy_log
func proxyLog(level int32, message *byte, size int32) uint32

// logLevelInfo is proxy-wasm's info log level.
const logLevelInfo = 2

// logInfo logs line at info level. The SDK's LogInfo takes a string,
// which the reused line would have to be copied into; a small allocation
// costs a Go wasm module about 200 ns with its share of collection,
// nearly half of what a decision's log line cost. A proxy-wasm host reads
// the message during the call (Envoy formats it into its log there).
// proxytest's .wasm runner instead keeps a view of the module's memory,
// so under it a decision's line holds only until the next one; a copy
// would not have fared much better there, for the module's collector
// frees and reuses it.
func logInfo(line []byte) {
	if len(line) > 0 {
		proxyLog(logLevelInfo, &line[0], int32(len(line)))
	}
}
