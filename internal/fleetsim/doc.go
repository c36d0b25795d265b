// Package fleetsim simulates when a fleet of hosts runs its
// credential_process command, to compare refresh strategies by the load they
// put on the credential broker.
//
// # Model
//
// Every host holds a credential set fetched at the same moment, expiring at
// the same moment E (the worst case: a fleet deployed at once). Each host
// makes calls as a Poisson process at its own rate, and the cache behind it
// runs the command on the first call that finds the set due, as
// aws.CredentialsCache does: nothing runs between calls. A [Policy] says
// when a set is due. The simulation records, per host, the moment of that
// run relative to E; [Result] reduces those moments to the figures a broker
// cares about: its peak runs per second and how the runs spread over time.
//
// # Determinism
//
// A run draws from a math/rand/v2 PCG seeded with [Config.Seed] and a stream
// derived from the policy's and the call rate's names, so every cell of a
// matrix is reproducible on its own, whatever else runs.
//
// # Cost
//
// The first call at or after a moment t is t + Exp(rate) for Poisson
// arrivals, so a host scheduled by a [strategy.Strategy] costs two draws
// whatever its rate. [CoinPerCall] flips a coin on every call, as the Elixir
// original does, but stops at the first success; a 100-calls-per-second
// fleet is done in a few hundred flips per host.
package fleetsim
