// Command otel shows credprocess reporting its metrics and traces through
// OpenTelemetry, with smithy-go's adapters: the same MeterProvider and
// TracerProvider go to the SDK clients and to credprocess. It runs against
// the local endpoint the demo uses, with itself as the credential_process,
// and prints what OpenTelemetry collected.
//
//	cd examples/otel && go run .
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/metrics/smithyotelmetrics"
	smithymiddleware "github.com/aws/smithy-go/middleware"
	"github.com/aws/smithy-go/tracing/smithyoteltracing"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/seed-dcc28122/credprocess/internal/awstest"
	"github.com/seed-dcc28122/credprocess/middleware"
	"github.com/seed-dcc28122/credprocess/provider"
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == "produce" {
		json.NewEncoder(os.Stdout).Encode(map[string]any{ //nolint:errcheck // the provider checks the output
			"Version": 1, "AccessKeyId": "AKIDOTELDEMO", "SecretAccessKey": "otel-demo-secret",
			"Expiration": time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
		})
		return
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "otel:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx := context.Background()
	srv := awstest.New()
	defer srv.Close()
	srv.Allow("AKIDOTELDEMO", "otel-demo-secret", "")

	// OpenTelemetry's SDK, collecting in memory here; a real program
	// exports to its collector.
	reader := sdkmetric.NewManualReader()
	spans := tracetest.NewInMemoryExporter()
	mp := smithyotelmetrics.Adapt(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	tp := smithyoteltracing.Adapt(sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans)))

	self, err := os.Executable()
	if err != nil {
		return err
	}
	creds := provider.New(fmt.Sprintf("%q produce", self), func(o *provider.Options) {
		o.MeterProvider, o.TracerProvider = mp, tp
	})
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRegion(awstest.Region),
		config.WithBaseEndpoint(srv.URL()),
		config.WithSharedConfigFiles([]string{}), config.WithSharedCredentialsFiles([]string{}),
		config.WithCredentialsProvider(creds),
		config.WithAPIOptions([]func(*smithymiddleware.Stack) error{
			middleware.RetryOnAuthFailure(creds, func(o *middleware.Options) {
				o.MeterProvider, o.TracerProvider = mp, tp
			}),
		}),
	)
	if err != nil {
		return err
	}
	cfg.HTTPClient = srv.HTTPClient()
	client := sts.NewFromConfig(cfg, func(o *sts.Options) { o.MeterProvider, o.TracerProvider = mp, tp })
	for range 3 {
		if _, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
			return err
		}
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		return err
	}
	var names []string
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != "github.com/seed-dcc28122/credprocess" {
			continue
		}
		for _, m := range sm.Metrics {
			names = append(names, m.Name)
		}
	}
	sort.Strings(names)
	fmt.Println("credprocess metrics:", names)
	for _, s := range spans.GetSpans() {
		if s.Name == "credprocess.run" {
			fmt.Printf("span %s: %v\n", s.Name, s.Attributes)
		}
	}
	return nil
}
