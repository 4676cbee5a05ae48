module github.com/tcpwrap/tcpwrap

go 1.26
