#pragma once
// One kdface-eval run as a library call: load the pairs and every model, embed the views at
// every scale, score them with every protocol. kdface-eval's main() and the tests call this.
#include "eval/report_types.h"
#include "tools/kdface-eval/eval_options.h"

namespace kd::evaltool {

eval::EvalReport run_evaluation(const EvalOptions& o);

// run_evaluation, then report.json / report.md / report.html into o.out.
eval::EvalReport run_and_write(const EvalOptions& o);

}  // namespace kd::evaltool
