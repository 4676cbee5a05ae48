package main

import "github.com/tcpwrap/tcpwrap/wasm/envoy/filter"

// setFilterState is called on every decision. The SDK's SetProperty
// serialises the property path anew on every call; this sends one
// serialised once. The host copies the value during the call, and value
// is never written to afterwards anyway (a host that keeps it, as
// proxytest does, still reads the right bytes).

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
