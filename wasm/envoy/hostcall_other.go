//go:build !wasip1

package main

import "github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"

// setFilterState goes through the SDK natively, under proxytest.
func setFilterState(value []byte) { _ = proxywasm.SetProperty(FilterStateRule, value) }
