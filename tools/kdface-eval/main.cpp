// kdface-eval: verification reports (report.json, report.md, report.html) for one or more
// kdface checkpoints at several degradation scales. Usage below; details in
// docs/evaluation.md, "kdface-eval".
#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "engine/check.h"
#include "tools/cli/omp_wait_policy.h"
#include "tools/kdface-eval/run_evaluation.h"

namespace {

const char* kUsage =
    "usage: kdface-eval --model CKPT [--model CKPT2 ...] --pairs FILE --root DIR --out DIR [options]\n"
    "\n"
    "  --model CKPT        a kdface-train checkpoint or run folder (its newest checkpoint); repeatable\n"
    "  --name LABEL        the label of each --model in tables and charts (one per --model, in order)\n"
    "  --pairs FILE        the pair list (for cfp-ff / cfp-fp: the CFP Protocol folder)\n"
    "  --root DIR          folder the list's image paths are relative to (default: as written)\n"
    "  --format F          tsv (default) | lfw | cfp-ff | cfp-fp | bin (insightface .bin)\n"
    "  --scales LIST       degradation scales, default 1,2,4,8 (1 = clean)\n"
    "  --degrade P         paper (default) | askd: the resolution protocol (docs/data.md), or a\n"
    "                      JSON spec with extras, as a training config's data.degrade\n"
    "  --scoring LIST      askd (default) | insightface | askd,insightface\n"
    "  --cross             side A clean, side B degraded (default: both sides degraded)\n"
    "  --adabn             re-estimate BN statistics on the degraded images of each scale\n"
    "  --batch N           images per forward pass (default 64)\n"
    "  --device D          cpu (default) or cuda\n"
    "  --max-pairs N       about N pairs, spread over every fold and both classes (default: all)\n"
    "  --on-missing P      an image missing, unreadable or not 112x112: skip (default) scores the other\n"
    "                      pairs and lists the unscored ones (console, report, OUT/unscored_pairs.tsv);\n"
    "                      fail exits 1 before any model runs, naming the first such image\n"
    "  --seed S            degradation seed (default 1702257004)\n"
    "  --out DIR           writes report.json, report.md, report.html, unscored_pairs.tsv\n"
    "  --quiet             no progress line\n";

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s + ",") {
    if (c == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else if (c != ' ') {
      cur += c;
    }
  }
  return out;
}

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

// Quotes arguments with spaces or shell metacharacters so the recorded line can be re-run.
std::string quoted(const std::string& a) {
  if (!a.empty() && a.find_first_of(" \t'\"$\\;&|<>*?()") == std::string::npos) return a;
  std::string q = "'";
  for (char c : a) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

int main(int argc, char** argv) {
  kd::cli::ensure_passive_omp_wait(argv);
  kd::evaltool::EvalOptions o;
  try {
    bool scales_given = false;
    for (int i = 0; i < argc; ++i) o.command_line += (i ? " " : "") + quoted(argv[i]);
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      auto value = [&]() -> std::string {
        KD_CHECK(i + 1 < argc, "option ", a, " needs a value\n", kUsage);
        return argv[++i];
      };
      if (a == "--help" || a == "-h") {
        std::printf("%s", kUsage);
        return 0;
      } else if (a == "--model") {
        o.models.push_back(value());
      } else if (a == "--name") {
        o.names.push_back(value());
      } else if (a == "--pairs") {
        o.pairs = value();
      } else if (a == "--root") {
        o.root = value();
      } else if (a == "--format") {
        o.format = value();
      } else if (a == "--scales") {
        if (!scales_given) o.scales.clear();
        scales_given = true;
        for (auto& s : split_list(value())) o.scales.push_back(int(to_int("--scales", s)));
      } else if (a == "--degrade") {
        o.degrade = value();
      } else if (a == "--scoring") {
        o.scoring = split_list(value());
      } else if (a == "--cross") {
        o.cross = true;
      } else if (a == "--adabn") {
        o.adabn = true;
      } else if (a == "--batch") {
        o.batch = to_int(a, value());
      } else if (a == "--device") {
        o.device = value();
      } else if (a == "--on-missing") {
        o.on_missing = value();
      } else if (a == "--max-pairs") {
        o.max_pairs = to_int(a, value());
      } else if (a == "--seed") {
        o.seed = uint64_t(to_int(a, value()));
      } else if (a == "--out") {
        o.out = value();
      } else if (a == "--quiet") {
        o.quiet = true;
      } else {
        KD_FAIL("unknown option '", a, "'\n", kUsage);
      }
    }
    kd::eval::EvalReport r = kd::evaltool::run_and_write(o);
    for (const auto& e : r.entries)
      std::printf("%-24s %-12s x%d  %.2f%% +- %.2f  TAR@FAR=1e-3 %.2f%%\n", r.models[e.model].name.c_str(),
                  e.scoring.c_str(), e.scale, 100 * e.result.mean, 100 * e.result.std, 100 * e.result.tar_at(1e-3));
    if (!r.unscored.empty()) {
      std::printf("kdface-eval: %s\n", kd::eval::unscored_summary(r).c_str());
      const size_t show = std::min<size_t>(10, r.unscored.size());
      for (size_t i = 0; i < show; ++i)
        std::printf("  unscored: fold %d  %s  %s  (%s)\n", r.unscored[i].fold, r.unscored[i].a.c_str(),
                    r.unscored[i].b.c_str(), r.unscored[i].reason.c_str());
      if (show < r.unscored.size()) std::printf("  ... %zu more in %s/unscored_pairs.tsv\n", r.unscored.size() - show, o.out.c_str());
    }
    std::printf("kdface-eval: wrote %s/report.json, report.md, report.html, unscored_pairs.tsv\n", o.out.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kdface-eval: error: %s\n", e.what());
    return 1;
  }
}
