#include "train/train_config.h"

#include "engine/check.h"
#include "engine/config.h"
#include "train/loss_table.h"

namespace kd::train {

using nlohmann::json;

LossConfig::LossConfig() {
  std::vector<std::pair<std::string, double>> w;
  for (const LossTermSpec& t : loss_table()) w.emplace_back(t.name, t.default_weight);
  weights = losses::LossWeights(std::move(w));
}

bool LossConfig::needs_teacher() const {
  for (const LossTermSpec& t : loss_table())
    if (t.needs_teacher && weight(t.name) > 0) return true;
  return false;
}

namespace {

nlohmann::json loss_json(const LossConfig& l) {
  nlohmann::json j = {{"kd_T", l.kd_T}, {"kd_attention_maps", l.kd_attention_maps}};
  for (const auto& [name, w] : l.weights.items()) j[name] = w;
  return j;
}

void check_one_of(const std::string& what, const std::string& v, const std::vector<std::string>& allowed) {
  for (auto& a : allowed)
    if (v == a) return;
  std::string list;
  for (auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  KD_FAIL(what, ": expected one of {", list, "}, got \"", v, "\"");
}

}  // namespace

TrainConfig parse_train_config(const json& cfg, const std::string& source) {
  ConfigReader root(cfg, "", source);
  const std::string where = source.empty() ? "" : source + ": ";
  TrainConfig c;
  c.name = root.get_or<std::string>("name", c.name);
  c.seed = root.get_or<uint64_t>("seed", c.seed);
  c.device = root.get_or<std::string>("device", c.device);
  check_one_of(where + "device", c.device, {"cpu", "cuda"});
  c.precision = root.get_or<std::string>("precision", c.precision);
  check_one_of(where + "precision", c.precision, {"fp32", "bf16"});

  ConfigReader data = root.child("data");
  c.train_shards = data.get<std::string>("train");
  c.batch = data.get_or<int64_t>("batch", c.batch);
  KD_CHECK(c.batch >= 2, where, "data.batch: expected >= 2 (batch norm needs 2 samples), got ", c.batch);
  c.threads = data.get_or<int>("threads", c.threads);
  KD_CHECK(c.threads >= 1, where, "data.threads: expected >= 1, got ", c.threads);
  c.flip = data.get_or<bool>("flip", c.flip);
  c.sync_bn = data.get_or<bool>("sync_bn", c.sync_bn);
  c.student_input = data.get_or<std::string>("student_input", c.student_input);
  c.teacher_input = data.get_or<std::string>("teacher_input", c.teacher_input);
  check_one_of(where + "data.student_input", c.student_input, {"hr", "lr", "masked"});
  check_one_of(where + "data.teacher_input", c.teacher_input, {"hr", "lr", "masked"});
  c.degrade = data.get_or<json>("degrade", c.degrade);
  c.scales = data.get_or<std::vector<int>>("scales", c.scales);
  KD_CHECK(!c.scales.empty(), where, "data.scales: expected a non-empty list such as [2, 4, 8]");
  for (int s : c.scales)
    KD_CHECK(s == 1 || s == 2 || s == 4 || s == 8, where, "data.scales: expected values in {1, 2, 4, 8}, got ", s);
  c.mask_bank = data.get_or<std::string>("mask_bank", c.mask_bank);
  c.use_labels = data.get_or<bool>("labels", c.use_labels);
  c.on_corrupt = data.get_or<std::string>("on_corrupt", c.on_corrupt);
  check_one_of(where + "data.on_corrupt", c.on_corrupt, {"stop", "skip"});
  c.max_corrupt = data.get_or<int64_t>("max_corrupt", c.max_corrupt);
  KD_CHECK(c.max_corrupt >= 0, where, "data.max_corrupt: expected >= 0, got ", c.max_corrupt);

  ConfigReader student = root.child("student");
  c.student_model = student.get_or<json>("model", c.student_model);
  ConfigReader head = student.child("head");
  c.head_kind = head.get_or<std::string>("kind", c.head_kind);
  check_one_of(where + "student.head.kind", c.head_kind, {"arcface", "cosface"});
  c.head_s = head.get_or<double>("s", c.head_s);
  c.head_m = head.get_or<double>("m", c.head_m);
  c.head_m_warmup = head.get_or<int64_t>("m_warmup", c.head_m_warmup);
  KD_CHECK(c.head_m_warmup >= 0, where, "student.head.m_warmup: expected >= 0 steps, got ", c.head_m_warmup);
  c.head_sharded = head.get_or<bool>("sharded", c.head_sharded);
  if (student.has("subdecision")) {
    ConfigReader sd = student.child("subdecision");
    c.subdecision = sd.get_or<bool>("enabled", true);
    c.subdecision_n = sd.get_or<int64_t>("n", c.subdecision_n);
    c.subdecision_drop = sd.get_or<double>("drop", c.subdecision_drop);
    KD_CHECK(c.subdecision_n >= 2, where, "student.subdecision.n: expected >= 2, got ", c.subdecision_n);
    KD_CHECK(c.subdecision_drop >= 0 && c.subdecision_drop < 1, where,
             "student.subdecision.drop: expected in [0, 1), got ", c.subdecision_drop);
  }
  c.init_checkpoint = student.get_or<std::string>("init_checkpoint", c.init_checkpoint);

  if (root.has("teacher") && !root.node()["teacher"].is_null()) {
    ConfigReader teacher = root.child("teacher");
    c.has_teacher = true;
    c.teacher_model = teacher.get<json>("model");
    c.teacher_checkpoint = teacher.get<std::string>("checkpoint");
  }

  ConfigReader loss = root.child("loss");
  try {
    c.loss.weights = losses::LossWeights::from_config(loss, c.loss.weights.items());  // defaults: the table's
  } catch (const Error& e) {
    KD_FAIL(where, e.what());  // from_config's range check does not know the file (fuzz_train_config)
  }
  c.loss.kd_T = loss.get_or<double>("kd_T", c.loss.kd_T);
  KD_CHECK(c.loss.kd_T > 0, where, "loss.kd_T: expected > 0, got ", c.loss.kd_T);
  c.loss.kd_attention_maps = loss.get_or<std::string>("kd_attention_maps", c.loss.kd_attention_maps);
  check_one_of(where + "loss.kd_attention_maps", c.loss.kd_attention_maps, {"both", "spatial"});
  for (const LossTermSpec& t : loss_table()) {
    if (c.loss.weight(t.name) == 0) continue;
    KD_CHECK(!t.needs_teacher || c.has_teacher, where, "loss.", t.name,
             " is > 0 but there is no \"teacher\" section (model + checkpoint)");
    KD_CHECK(!t.needs_subdecision || c.subdecision, where, "loss.", t.name, ": > 0 needs student.subdecision");
    KD_CHECK(!t.needs_labels || c.use_labels, where, "data.labels is false, so loss.", t.name, " must be 0");
  }

  ConfigReader optim = root.child("optim");
  c.lr = optim.get_or<double>("lr", c.lr);
  c.momentum = optim.get_or<double>("momentum", c.momentum);
  c.weight_decay = optim.get_or<double>("weight_decay", c.weight_decay);
  c.schedule = optim.get_or<std::string>("schedule", c.schedule);
  check_one_of(where + "optim.schedule", c.schedule, {"constant", "step", "multistep", "cosine"});
  c.schedule_unit = optim.get_or<std::string>("unit", c.schedule_unit);
  check_one_of(where + "optim.unit", c.schedule_unit, {"epoch", "step"});
  c.step_size = optim.get_or<int64_t>("step_size", c.step_size);
  c.milestones = optim.get_or<std::vector<int64_t>>("milestones", c.milestones);
  c.gamma = optim.get_or<double>("gamma", c.gamma);
  c.warmup = optim.get_or<int64_t>("warmup", c.warmup);

  c.epochs = root.get_or<int64_t>("epochs", c.epochs);
  KD_CHECK(c.epochs >= 1, where, "epochs: expected >= 1, got ", c.epochs);
  c.max_steps = root.get_or<int64_t>("max_steps", c.max_steps);
  c.log_every = root.get_or<int64_t>("log_every", c.log_every);
  c.checkpoint_every = root.get_or<int64_t>("checkpoint_every", c.checkpoint_every);
  c.keep_checkpoints = root.get_or<int64_t>("keep_checkpoints", c.keep_checkpoints);
  KD_CHECK(c.log_every >= 1 && c.checkpoint_every >= 1 && c.keep_checkpoints >= 1, where,
           "log_every, checkpoint_every and keep_checkpoints must be >= 1");

  ConfigReader ev = root.child("eval");
  c.eval_pairs = ev.get_or<std::string>("pairs", c.eval_pairs);
  c.eval_root = ev.get_or<std::string>("root", c.eval_root);
  c.eval_format = ev.get_or<std::string>("format", c.eval_format);
  check_one_of(where + "eval.format", c.eval_format, {"tsv", "lfw"});
  c.eval_scales = ev.get_or<std::vector<int>>("scales", c.eval_scales);
  c.eval_adabn = ev.get_or<bool>("adabn", c.eval_adabn);
  c.eval_max_pairs = ev.get_or<int64_t>("max_pairs", c.eval_max_pairs);
  c.eval_batch = ev.get_or<int64_t>("batch", c.eval_batch);
  KD_CHECK(c.eval_pairs.empty() || !c.eval_root.empty(), where, "eval.root: needed when eval.pairs is set");

  root.finish();
  c.raw = to_json(c);
  KD_CHECK(!c.head_sharded || (c.loss.weight("kd_logit") == 0 && !c.subdecision), where,
           "student.head.sharded: only the \"cls\" term reads a sharded head; loss.kd_logit and subdecision need the "
           "whole head on every rank (set student.head.sharded to false)");
  return c;
}

json to_json(const TrainConfig& c) {
  json j = {
      {"name", c.name},
      {"seed", c.seed},
      {"device", c.device},
      {"precision", c.precision},
      {"data",
       {{"train", c.train_shards}, {"batch", c.batch}, {"threads", c.threads}, {"flip", c.flip}, {"sync_bn", c.sync_bn},
        {"student_input", c.student_input}, {"teacher_input", c.teacher_input}, {"degrade", c.degrade},
        {"scales", c.scales}, {"mask_bank", c.mask_bank}, {"labels", c.use_labels},
        {"on_corrupt", c.on_corrupt}, {"max_corrupt", c.max_corrupt}}},
      {"student",
       {{"model", c.student_model},
        {"head", {{"kind", c.head_kind}, {"s", c.head_s}, {"m", c.head_m}, {"m_warmup", c.head_m_warmup},
                  {"sharded", c.head_sharded}}},
        {"init_checkpoint", c.init_checkpoint}}},
      {"loss", loss_json(c.loss)},
      {"optim",
       {{"lr", c.lr}, {"momentum", c.momentum}, {"weight_decay", c.weight_decay}, {"schedule", c.schedule},
        {"unit", c.schedule_unit}, {"step_size", c.step_size}, {"milestones", c.milestones}, {"gamma", c.gamma},
        {"warmup", c.warmup}}},
      {"epochs", c.epochs},
      {"max_steps", c.max_steps},
      {"log_every", c.log_every},
      {"checkpoint_every", c.checkpoint_every},
      {"keep_checkpoints", c.keep_checkpoints},
      {"eval",
       {{"pairs", c.eval_pairs}, {"root", c.eval_root}, {"format", c.eval_format}, {"scales", c.eval_scales},
        {"adabn", c.eval_adabn}, {"max_pairs", c.eval_max_pairs}, {"batch", c.eval_batch}}},
  };
  if (c.subdecision)
    j["student"]["subdecision"] = {{"enabled", true}, {"n", c.subdecision_n}, {"drop", c.subdecision_drop}};
  if (c.has_teacher) j["teacher"] = {{"model", c.teacher_model}, {"checkpoint", c.teacher_checkpoint}};
  return j;
}

}  // namespace kd::train
