// libtorch state (thread count, attention backends, default dtype) is process-global: run tests one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
