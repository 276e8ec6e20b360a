#pragma once
// Low-quality face synthesis: the resolution protocols of the papers this project
// reproduces plus optional extras (motion blur, noise, JPEG). The maths, defaults and
// orders are documented in docs/data.md, "Degradation"; tests/test_data_degrade.cpp
// checks them against hand-computed values.
#include <nlohmann/json.hpp>

#include <cstddef>  // before data/image.h, which uses size_t
#include <cstdint>
#include <string>

#include "data/image.h"

namespace kd::data {

struct DegradeSpec {
  std::string protocol = "paper";  // "none" | "paper" | "askd"
  double blur_sigma = 1.0;         // paper: Gaussian sigma before downsampling, radius ceil(3 sigma); 0 = no blur
  int jpeg_quality = 0;            // 0 = off; else re-compress at this quality after degradation
  double noise_std = 0.0;          // additive Gaussian noise, in 0..255 pixel units, 0 = off
  int motion_length = 0;           // 0 = off; else motion blur of this length at a random angle
};

// Strict: unknown keys, wrong types and out-of-range values are kd::Errors naming where+key.
DegradeSpec degrade_spec_from_json(const nlohmann::json& j, const std::string& where);
nlohmann::json degrade_spec_to_json(const DegradeSpec& s);

// hr: grey or RGB, any size (normally 112x112); scale in {1,2,4,8} (1 = extras only);
// out gets hr's size and channels. Deterministic given seed: the extras' randomness
// (motion angle, noise) comes only from seed. Thread-safe; out may not alias hr.
void degrade(const Image& hr, const DegradeSpec& spec, int scale, uint64_t seed, Image& out);

}  // namespace kd::data
