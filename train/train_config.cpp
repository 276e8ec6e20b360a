#include "train/train_config.h"

#include "engine/check.h"
#include "engine/config.h"

namespace kd::train {

using nlohmann::json;

namespace {

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

  ConfigReader student = root.child("student");
  c.student_model = student.get_or<json>("model", c.student_model);
  ConfigReader head = student.child("head");
  c.head_kind = head.get_or<std::string>("kind", c.head_kind);
  check_one_of(where + "student.head.kind", c.head_kind, {"arcface", "cosface"});
  c.head_s = head.get_or<double>("s", c.head_s);
  c.head_m = head.get_or<double>("m", c.head_m);
  c.head_m_warmup = head.get_or<int64_t>("m_warmup", c.head_m_warmup);
  KD_CHECK(c.head_m_warmup >= 0, where, "student.head.m_warmup: expected >= 0 steps, got ", c.head_m_warmup);
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
  LossWeights& w = c.loss;
  w.cls = loss.get_or<double>("cls", w.cls);
  w.kd_logit = loss.get_or<double>("kd_logit", w.kd_logit);
  w.kd_T = loss.get_or<double>("kd_T", w.kd_T);
  KD_CHECK(w.kd_T > 0, where, "loss.kd_T: expected > 0, got ", w.kd_T);
  w.kd_attention = loss.get_or<double>("kd_attention", w.kd_attention);
  w.kd_instance = loss.get_or<double>("kd_instance", w.kd_instance);
  w.kd_relation = loss.get_or<double>("kd_relation", w.kd_relation);
  w.feature_mimic = loss.get_or<double>("feature_mimic", w.feature_mimic);
  w.subdecision_kl = loss.get_or<double>("subdecision_kl", w.subdecision_kl);
  w.subdecision_cls = loss.get_or<double>("subdecision_cls", w.subdecision_cls);
  w.embed_kd = loss.get_or<double>("embed_kd", w.embed_kd);
  KD_CHECK(!w.needs_teacher() || c.has_teacher, where,
           "a KD loss weight is > 0 but there is no \"teacher\" section (model + checkpoint)");
  KD_CHECK(!(w.subdecision_kl > 0 || w.subdecision_cls > 0) || c.subdecision, where,
           "loss.subdecision_*: > 0 needs student.subdecision");
  KD_CHECK(c.use_labels || (w.cls == 0 && w.subdecision_cls == 0 && w.kd_logit == 0), where,
           "data.labels is false, so loss.cls, loss.subdecision_cls and loss.kd_logit must be 0");

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
  return c;
}

json to_json(const TrainConfig& c) {
  const LossWeights& w = c.loss;
  json j = {
      {"name", c.name},
      {"seed", c.seed},
      {"device", c.device},
      {"precision", c.precision},
      {"data",
       {{"train", c.train_shards}, {"batch", c.batch}, {"threads", c.threads}, {"flip", c.flip},
        {"student_input", c.student_input}, {"teacher_input", c.teacher_input}, {"degrade", c.degrade},
        {"scales", c.scales}, {"mask_bank", c.mask_bank}, {"labels", c.use_labels}}},
      {"student",
       {{"model", c.student_model},
        {"head", {{"kind", c.head_kind}, {"s", c.head_s}, {"m", c.head_m}, {"m_warmup", c.head_m_warmup}}},
        {"init_checkpoint", c.init_checkpoint}}},
      {"loss",
       {{"cls", w.cls}, {"kd_logit", w.kd_logit}, {"kd_T", w.kd_T}, {"kd_attention", w.kd_attention},
        {"kd_instance", w.kd_instance}, {"kd_relation", w.kd_relation}, {"feature_mimic", w.feature_mimic},
        {"subdecision_kl", w.subdecision_kl}, {"subdecision_cls", w.subdecision_cls}, {"embed_kd", w.embed_kd}}},
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
