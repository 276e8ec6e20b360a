// kdface-embed: embeddings of face images (arguments, a folder or a list) from a kdface model,
// written as .npy or .safetensors with a TSV index. Details in docs/pretrained.md.
#include <cstdio>
#include <exception>
#include <string>

#include "engine/check.h"
#include "tools/kdface-embed/embed_run.h"

namespace {

const char* kUsage =
    "usage: kdface-embed --model CKPT --out FILE.npy|FILE.safetensors (IMAGE... | --in DIR | --list FILE [--in DIR])\n"
    "                    [--aligned] [--feature raw|flip-sum] [--batch N] [--threads N] [--device cpu|cuda]\n"
    "                    [--on-error skip|fail] [--quiet]\n"
    "\n"
    "  --model CKPT       a shipped model (pretrained/*.safetensors), checkpoint or run folder\n"
    "  --out FILE         the embeddings, one row per embedded image; FILE with .tsv is the index:\n"
    "                     every input with its row (or '-'), status, alignment and the reason it failed\n"
    "  --in DIR           every jpg/jpeg/png/bmp under DIR (or, with --list, the folder its paths are in)\n"
    "  --list FILE        one image path per line ('#' starts a comment)\n"
    "  --aligned          the images are aligned 112x112 faces (default: detect and align each)\n"
    "  --feature F        raw (default): the model's embedding; flip-sum: normalise(emb + emb of the\n"
    "                     mirrored face), what kdface-verify compares\n"
    "  --batch N          faces per forward pass (default 64)\n"
    "  --threads N        alignment and compute threads (default: every core)\n"
    "  --device D         cpu (default) or cuda\n"
    "  --on-error P       skip (default): embed the others, list failures in the index;\n"
    "                     fail: exit 1 at the first image that cannot be embedded, writing nothing\n"
    "  --quiet            no progress line\n";

int64_t to_int(const std::string& opt, const std::string& v) {
  size_t used = 0;
  long long x = 0;
  try {
    x = std::stoll(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  KD_CHECK(used == v.size() && !v.empty(), opt, ": expected an integer, got '", v, "'");
  return x;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    kd::embedtool::EmbedOptions o;
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      auto value = [&]() -> std::string {
        KD_CHECK(i + 1 < argc, a, ": expected a value after it");
        return argv[++i];
      };
      if (a == "--help" || a == "-h") {
        std::fputs(kUsage, stdout);
        return 0;
      } else if (a == "--model") {
        o.model = value();
      } else if (a == "--out") {
        o.out = value();
      } else if (a == "--in") {
        o.in_dir = value();
      } else if (a == "--list") {
        o.list = value();
      } else if (a == "--aligned") {
        o.aligned = true;
      } else if (a == "--feature") {
        o.feature = kd::faceinput::parse_feature(value());
      } else if (a == "--batch") {
        o.batch = to_int(a, value());
      } else if (a == "--threads") {
        o.threads = int(to_int(a, value()));
        KD_CHECK(o.threads >= 1, "--threads: expected 1..256, got ", o.threads);
      } else if (a == "--device") {
        o.device = value();
      } else if (a == "--on-error") {
        const std::string p = value();
        KD_CHECK(p == "skip" || p == "fail", "--on-error: expected skip or fail, got '", p, "'");
        o.fail_on_error = p == "fail";
      } else if (a == "--quiet") {
        o.quiet = true;
      } else if (a.rfind("--", 0) == 0) {
        KD_FAIL("unknown option '", a, "'\n", kUsage);
      } else {
        o.images.push_back(a);
      }
    }
    KD_CHECK(!o.model.empty() && !o.out.empty(), "--model and --out are required\n", kUsage);
    const auto s = kd::embedtool::run_embed(o);
    std::fprintf(stderr, "kdface-embed: %lld of %lld images embedded (%lld-d, %.1f img/s) -> %s, index %s\n",
                 static_cast<long long>(s.embedded), static_cast<long long>(s.inputs), static_cast<long long>(s.dim),
                 s.seconds > 0 ? double(s.inputs) / s.seconds : 0.0, o.out.c_str(),
                 kd::embedtool::index_path_for(o.out).c_str());
    if (s.embedded < s.inputs)
      std::fprintf(stderr, "kdface-embed: %lld images could not be embedded; the index lists them with the reason\n",
                   static_cast<long long>(s.inputs - s.embedded));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kdface-embed: %s\n", e.what());
    return 1;
  }
}
