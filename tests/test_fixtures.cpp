// Every case of the PyTorch fixture set whose op has a handler, compared at float32
// tolerance |a - b| <= 1e-4 + 1e-3 |b|. KDFACE_FIXTURES (a path prefix) selects another set.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "engine/cuda.h"
#include "engine/safetensors.h"
#include "tests/fixtures/fixture_registry.h"
#include "tests/support/compare.h"

using namespace kdtest;

namespace {

std::string fixture_prefix() {
  const char* env = std::getenv("KDFACE_FIXTURES");
  if (env && *env) return env;
  return std::string(KDFACE_SOURCE_DIR) + "/../shared/fixtures/ops";
}

// Runs every fixture case with its inputs on `device`; results are compared on the host.
void run_fixtures(kd::Device device) {
  set_fixture_device(device);
  const std::string prefix = fixture_prefix();
  std::ifstream jf(prefix + ".json");
  if (!jf) FAIL("cannot open " + prefix + ".json (set KDFACE_FIXTURES to the prefix of a fixture set)");
  nlohmann::json doc = nlohmann::json::parse(jf);
  kd::SafeTensors st = kd::load_safetensors(prefix + ".safetensors");

  int checked = 0, values = 0;
  std::vector<std::string> skipped, failures;
  for (auto& jc : doc.at("cases")) {
    FixtureCase c;
    c.name = jc.at("name");
    c.op = jc.at("op");
    c.attrs = jc.at("attrs");
    c.inputs = jc.at("inputs").get<std::vector<std::string>>();
    c.expected = jc.at("expected").get<std::vector<std::string>>();
    c.note = jc.value("note", "");
    c.tensors = &st.tensors;
    const FixtureHandler* h = fixture_handler(c.op);
    if (!h) {
      skipped.push_back(c.name + " (op '" + c.op + "' not implemented yet)");
      const auto& ok = fixture_ops_allowed_to_skip();
      if (std::find(ok.begin(), ok.end(), c.op) == ok.end()) failures.push_back(c.name + ": op '" + c.op + "' has no handler");
      continue;
    }
    std::map<std::string, kd::Tensor> got;
    try {
      got = (*h)(c);
    } catch (const std::exception& e) {
      failures.push_back(c.name + ": threw: " + e.what());
      continue;
    }
    for (const std::string& key : c.expected) {
      auto it = got.find(key);
      if (it == got.end()) {
        failures.push_back(c.name + ": handler produced no '" + key + "'");
        continue;
      }
      std::string e = compare(it->second, c.expected_value(key), {1e-4, 1e-3}, c.name + "/" + key);
      if (!e.empty()) failures.push_back(e);
      ++values;
    }
    ++checked;
  }
  set_fixture_device(kd::cpu());
  std::cout << "fixtures " << prefix << " on " << device.str() << ": checked " << checked << " cases (" << values
            << " tensors), skipped " << skipped.size() << "\n";
  for (auto& s : skipped) std::cout << "  skipped: " << s << "\n";
  for (auto& f : failures) UNSCOPED_INFO(f);
  CHECK(failures.empty());
  CHECK(checked > 0);
}

}  // namespace

TEST_CASE("PyTorch float64 fixtures match the CPU backend", "[fixtures]") { run_fixtures(kd::cpu()); }

// Not marked KDFACE-SKIP without a device: that marker would hide the CPU result above in
// ctest; test_cuda_backend is the one that reports itself skipped.
TEST_CASE("PyTorch float64 fixtures match the CUDA backend", "[fixtures][cuda]") {
  if (!kd::cuda::available()) {
    std::cout << "fixtures on CUDA not run: " << kd::cuda::unavailable_reason() << "\n";
    return;
  }
  kd::set_alloc_poison(true);
  run_fixtures(kd::cuda_device());
  kd::set_alloc_poison(false);
}
