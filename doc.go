// Package credprocess gives aws-sdk-go-v2 clients credentials from a
// credential_process command, run through the system shell as the SDK's
// own process provider (processcreds) runs it, with that provider's faults
// fixed.
//
// One option to config.LoadDefaultConfig is the whole setup:
//
//	cfg, err := config.LoadDefaultConfig(ctx,
//		config.WithRegion("us-east-1"),
//		credprocess.WithCredentialProcess("aws-vault export --format=json dev"))
//
// [WithCredentialProcess] installs the credentials provider and the
// middleware that replays a request once when AWS rejects its credentials.
// [WithProfile] loads any profile of the shared config files, as
// config.WithSharedConfigProfile does, with the same provider and middleware
// for a credential_process anywhere in the profile's chain, including under
// roles assumed with source_profile.
//
// # Packages
//
//   - [github.com/seed-dcc28122/credprocess/provider] runs the command,
//     validates its JSON output and serves the credentials from an
//     [github.com/aws/aws-sdk-go-v2/aws.CredentialsCache], refreshing ahead
//     of expiry in the background.
//   - [github.com/seed-dcc28122/credprocess/strategy] decides when a fetched
//     credential set stops being served: at expiry, or at a random moment
//     before it so that a fleet does not refresh all at once.
//   - [github.com/seed-dcc28122/credprocess/middleware] replays a request once
//     with fresh credentials when AWS rejects the ones that signed it.
//
// The command github.com/seed-dcc28122/credprocess/cmd/credprocess checks a
// producer: it runs it as the library does and reports what it printed,
// without the secrets.
package credprocess
