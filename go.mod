module github.com/tcpwrap/tcpwrap

go 1.26

tool github.com/tetratelabs/wazero/cmd/wazero

require (
	github.com/tetratelabs/wazero v1.12.0 // indirect
	golang.org/x/sys v0.44.0 // indirect
)
