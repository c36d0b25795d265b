// Package credprocess gives aws-sdk-go-v2 clients credentials from a
// credential_process command, the way the AWS CLI and SDKs run it, with the
// faults of the SDK's own process provider fixed.
//
// # Packages
//
//   - [github.com/seed-dcc28122/credprocess/provider] runs the command,
//     validates its JSON output and serves the credentials from an
//     [github.com/aws/aws-sdk-go-v2/aws.CredentialsCache].
//   - [github.com/seed-dcc28122/credprocess/strategy] decides when a fetched
//     credential set stops being served: at expiry, or at a random moment
//     before it so that a fleet does not refresh all at once.
//   - [github.com/seed-dcc28122/credprocess/middleware] replays a request once
//     with fresh credentials when AWS rejects the ones that signed it.
package credprocess
