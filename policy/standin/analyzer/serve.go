package main

import (
	"fmt"

	"google.golang.org/grpc"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// serve follows upstream's serve.go (Serve): it serves the analyzer over
// gRPC on a port that the kernel picks, writes the port to stdout, which is
// how the plugin protocol tells the engine where to dial, and blocks until
// the server stops (the engine kills the process when it is done).
func serve(a plugin.Analyzer) error {
	handle, err := startServer(a, nil)
	if err != nil {
		return err
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		return fmt.Errorf("fatal: plugin exit: %w", err)
	}
	return nil
}

// startServer registers a on a new gRPC server listening on 127.0.0.1.
//
// As upstream does, the analyzer goes through plugin.NewAnalyzerServer: that
// server is what decodes the engine's request, with KeepUnknowns and
// KeepSecrets (sdk/go/common/resource/plugin/analyzer_server.go, v3.274.1),
// so the properties reach buildOPAInput exactly as they reach upstream's. It
// also answers Handshake and ConfigureStack, which the engine calls first.
// Closing or sending true on cancel stops the server (tests use it; the
// plugin itself passes nil, as upstream does).
func startServer(a plugin.Analyzer, cancel chan bool) (rpcutil.ServeHandle, error) {
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterAnalyzerServer(srv, plugin.NewAnalyzerServer(a))
			return nil
		},
		Cancel: cancel,
	})
	if err != nil {
		return handle, fmt.Errorf("fatal: could not serve RPC: %w", err)
	}
	return handle, nil
}
