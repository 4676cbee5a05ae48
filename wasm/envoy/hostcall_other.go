//go:build !wasip1

package main

import "github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"

// setFilterState goes through the SDK natively, under proxytest.
func setFilterState(value []byte) { _ = proxywasm.SetProperty(FilterStateRule, value) }

// logInfo goes through the SDK natively, with a fresh string: proxytest
// keeps the string it is given, and line is reused.
func logInfo(line []byte) { proxywasm.LogInfo(string(line)) }
