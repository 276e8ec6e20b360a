#include "train/nets.h"

#include <filesystem>

#include "engine/check.h"
#include "engine/checkpoint.h"
#include "engine/rng.h"
#include "engine/shape.h"
#include "train/sharded_head.h"

namespace kd::train {

namespace {

// Features entering the sub-decision head: the backbone's final map (after its BN, before
// the flatten/average of the embedding head), flattened whatever the head.
int64_t flat_feature_dim(const models::ResNeXtConfig& m) {
  int64_t side = m.size / 16;
  return m.widths.back() * side * side;
}

std::string resolve_checkpoint(const std::string& path, const std::string& what) {
  KD_CHECK(!path.empty(), what, ": no checkpoint given");
  if (std::filesystem::is_directory(path)) {
    std::string dir = std::filesystem::exists(path + "/checkpoints") ? path + "/checkpoints" : path;
    std::string latest = latest_checkpoint(dir);
    KD_CHECK(!latest.empty(), what, ": no kdface checkpoint in ", dir);
    return latest;
  }
  KD_CHECK(std::filesystem::exists(path), what, ": ", path, " does not exist");
  return path;
}

// "backbone.x" entries of a checkpoint's model map, without the prefix.
std::map<std::string, Tensor> with_prefix(const std::map<std::string, Tensor>& sd, const std::string& prefix) {
  std::map<std::string, Tensor> out;
  for (auto& [k, v] : sd)
    if (k.rfind(prefix, 0) == 0) out[k.substr(prefix.size())] = v;
  return out;
}

// Said at start-up rather than as a shape error at the first step.
void check_attention_pair(const TrainConfig& cfg, const models::ResNeXtConfig& teacher) {
  if (cfg.loss.weight("kd_attention") <= 0) return;
  auto student = models::ResNeXtConfig::from_json(cfg.student_model, "student.model");
  KD_CHECK(student.depths.size() == teacher.depths.size(), "loss.kd_attention: the student has ",
           student.depths.size(), " stages and the teacher ", teacher.depths.size(),
           "; attention maps are compared stage by stage");
  KD_CHECK(student.size / student.input_pool == teacher.size / teacher.input_pool,
           "loss.kd_attention: the student runs at ", student.size / student.input_pool, " px and the teacher at ",
           teacher.size / teacher.input_pool, " px (size / input_pool), so their spatial maps differ in size");
  KD_CHECK(cfg.loss.kd_attention_maps != "both" || student.widths == teacher.widths,
           "loss.kd_attention: channel maps are compared channel by channel, but student.model.widths ",
           shape_str(student.widths), " differ from teacher.model.widths ", shape_str(teacher.widths),
           "; give both the same widths, or set loss.kd_attention_maps to \"spatial\"");
}

}  // namespace

StudentNet::StudentNet(const TrainConfig& cfg, int64_t classes, dist::Communicator* comm) {
  auto mcfg = models::ResNeXtConfig::from_json(cfg.student_model, "student.model");
  // Distinct streams per part, so adding a head does not change the backbone's init.
  backbone = register_module("backbone", std::make_shared<models::ResNeXtCBAM>(mcfg, mix64(cfg.seed, 1)));
  if (cfg.use_labels) {
    std::pair<int64_t, int64_t> rows{0, classes};
    if (cfg.head_sharded && comm && comm->size() > 1) {
      KD_CHECK(classes >= comm->size(), "student.head.sharded: ", classes, " classes cannot be shared by ", comm->size(),
               " ranks");
      rows = head_shard(classes, comm->rank(), comm->size());
      head_comm = comm;
    }
    head = register_module("head", std::make_shared<models::MarginHead>(mcfg.emb, classes, cfg.head_kind, cfg.head_s,
                                                                        cfg.head_m, mix64(cfg.seed, 2), rows.first,
                                                                        rows.second));
  }
  if (cfg.subdecision)
    subdecision = register_module(
        "subdecision", std::make_shared<losses::SubDecisionHead>(flat_feature_dim(mcfg), mcfg.emb, classes,
                                                                 cfg.subdecision_n, cfg.subdecision_drop, cfg.head_s,
                                                                 cfg.head_m, mix64(cfg.seed, 3)));
  if (cfg.loss.weight("feature_mimic") > 0) {
    int64_t teacher_emb = models::ResNeXtConfig::from_json(cfg.teacher_model, "teacher.model").emb;
    mimic = register_module("mimic", std::make_shared<losses::FeatureMimic>(mcfg.emb, teacher_emb, mix64(cfg.seed, 4)));
  }
  if (!cfg.init_checkpoint.empty()) {
    std::string path = resolve_checkpoint(cfg.init_checkpoint, "student.init_checkpoint");
    Checkpoint ck = load_checkpoint(path);
    auto missing = backbone->load_state_dict(with_prefix(ck.model, "backbone."), true);
    (void)missing;
  }
}

TeacherNet::TeacherNet(const TrainConfig& cfg, int64_t classes) {
  auto mcfg = models::ResNeXtConfig::from_json(cfg.teacher_model, "teacher.model");
  check_attention_pair(cfg, mcfg);
  backbone = register_module("backbone", std::make_shared<models::ResNeXtCBAM>(mcfg, 0));
  source = resolve_checkpoint(cfg.teacher_checkpoint, "teacher.checkpoint");
  Checkpoint ck = load_checkpoint(source);
  auto bsd = with_prefix(ck.model, "backbone.");
  KD_CHECK(!bsd.empty(), source, ": no \"model.backbone.*\" tensors; is this a kdface-train checkpoint?");
  backbone->load_state_dict(bsd, true);
  auto hsd = with_prefix(ck.model, "head.");
  if (!hsd.empty()) {
    auto it = hsd.find("w");
    KD_CHECK(it != hsd.end(), source, ": head tensors without \"model.head.w\"");
    int64_t tc = it->second.shape()[0];
    if (tc == classes) {
      head = register_module("head", std::make_shared<models::MarginHead>(mcfg.emb, classes, cfg.head_kind, cfg.head_s,
                                                                          cfg.head_m, 0));
      head->load_state_dict(hsd, true);
    } else {
      KD_CHECK(cfg.loss.weight("kd_logit") == 0, source, ": the teacher's head has ", tc, " classes but the training data has ",
               classes, "; logit KD needs the same identities (set loss.kd_logit to 0 or use a matching teacher)");
    }
  }
  KD_CHECK(cfg.loss.weight("kd_logit") == 0 || head, source, ": loss.kd_logit needs a teacher with a classification head");
  eval();
  for (auto& p : parameters()) p.requires_grad_(false);
}

}  // namespace kd::train
