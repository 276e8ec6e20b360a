// kdface-embed: embeddings of face images (arguments, a folder or a list) from a kdface model,
// written as .npy or .safetensors with a TSV index. Details in docs/pretrained.md.
#include <cstdio>
#include <exception>
#include <string>

#include "engine/check.h"
#include "tools/cli/args.h"
#include "tools/cli/omp_wait_policy.h"
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

}  // namespace

int main(int argc, char** argv) {
  kd::cli::ensure_passive_omp_wait(argv);
  const kd::tools::ToolSpec spec{
      "kdface-embed", kUsage,
      {"--model", "--out", "--in", "--list", "--feature", "--batch", "--threads", "--device", "--on-error"},
      {"--aligned", "--quiet"}};
  return kd::tools::run_tool(spec, argc, argv, [](const kd::tools::Args& a) {
    kd::embedtool::EmbedOptions o;
    o.model = a.get("--model");
    o.out = a.get("--out");
    o.images = a.positional();
    o.in_dir = a.get_or("--in", "");
    o.list = a.get_or("--list", "");
    o.aligned = a.flag("--aligned");
    o.feature = kd::faceinput::parse_feature(a.get_or("--feature", "raw"));
    o.batch = a.get_int_or("--batch", 64);
    o.threads = a.get_int_or("--threads", 0);
    KD_CHECK(!a.has("--threads") || o.threads >= 1, "--threads: expected 1..256, got ", o.threads);
    o.device = a.get_or("--device", "cpu");
    const std::string policy = a.get_or("--on-error", "skip");
    KD_CHECK(policy == "skip" || policy == "fail", "--on-error: expected skip or fail, got '", policy, "'");
    o.fail_on_error = policy == "fail";
    o.quiet = a.flag("--quiet");
    const auto s = kd::embedtool::run_embed(o);
    std::fprintf(stderr, "kdface-embed: %lld of %lld images embedded (%lld-d, %.1f img/s) -> %s, index %s\n",
                 static_cast<long long>(s.embedded), static_cast<long long>(s.inputs), static_cast<long long>(s.dim),
                 s.seconds > 0 ? double(s.inputs) / s.seconds : 0.0, o.out.c_str(),
                 kd::embedtool::index_path_for(o.out).c_str());
    if (s.embedded < s.inputs)
      std::fprintf(stderr, "kdface-embed: %lld images could not be embedded; the index lists them with the reason\n",
                   static_cast<long long>(s.inputs - s.embedded));
    return 0;
  });
}
