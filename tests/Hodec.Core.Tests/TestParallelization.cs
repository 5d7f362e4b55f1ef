// Many tests seed torch's global generator (model initialisation, random inputs) and assert on what follows.
// A test on another thread drawing from that generator would change their data, so the classes run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
