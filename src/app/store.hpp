#pragma once
// `moatmq store check|repair [-c FILE | -d DIR]`: the operator's tools for the broker's store
// (docs/persistence.md). The broker itself never deletes stored data: a store it cannot read stops it,
// and these commands say what is wrong and, on request, remove what cannot be read.
namespace moatmq::app {

// argv[0] is "store". Exit codes: 0 the store is sound (check) or was repaired (repair); 1 problems found
// (check) or the store cannot be opened; 2 usage error.
int run_store(int argc, char** argv);

}  // namespace moatmq::app
