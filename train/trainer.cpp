#include "train/trainer.h"

#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include "data/loader.h"
#include "engine/atomic_file.h"
#include "engine/autograd.h"
#include "engine/check.h"
#include "engine/checkpoint.h"
#include "engine/config.h"
#include "engine/cuda.h"
#include "engine/progress.h"
#include "engine/rng.h"
#include "dist/communicator.h"
#include "train/data_parallel.h"
#include "train/evaluate.h"
#include "train/loss_step.h"
#include "train/nets.h"
#include "train/optim_step.h"
#include "train/run_log.h"
#include "train/sharded_head.h"

namespace kd::train {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

data::LoaderConfig loader_config(const TrainConfig& c, const dist::Communicator& comm) {
  data::LoaderConfig l;
  l.shards = c.train_shards;
  l.batch = c.batch / comm.size();
  l.rank = comm.rank();
  l.world = comm.size();
  l.threads = c.threads;
  l.seed = c.seed;
  l.shuffle = true;
  l.flip = c.flip;
  l.drop_last = true;
  l.want_lr = c.student_input == "lr" || c.teacher_input == "lr";
  l.want_masked = c.student_input == "masked" || c.teacher_input == "masked";
  l.degrade = data::degrade_spec_from_json(c.degrade, "data.degrade");
  l.scales = c.scales;
  l.mask_bank = c.mask_bank;
  l.skip_corrupt = c.on_corrupt == "skip";
  return l;
}

// What a killed process was writing (write_file_atomic's "<file>.tmp.<pid>"): never a
// checkpoint, but a full-size one each time, so repeated kills would fill the disk.
void remove_stale_temp_files(const std::string& dir) {
  std::error_code ec;
  for (auto& e : fs::directory_iterator(dir, ec))
    if (e.path().filename().string().find(".tmp.") != std::string::npos) fs::remove(e.path(), ec);
}

// Keeps the newest `keep` checkpoints; never the one just written.
void prune_checkpoints(const std::string& dir, int64_t keep) {
  std::vector<std::string> files;
  for (auto& e : fs::directory_iterator(dir)) {
    std::string n = e.path().filename().string();
    if (n.rfind("ckpt_", 0) == 0 && e.path().extension() == ".safetensors") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  for (size_t i = 0; i + size_t(keep) < files.size(); ++i) fs::remove(files[i]);
}

// The loader fills host tensors; a CUDA run copies each batch over (synchronous copies on the
// default stream, so the step's kernels are ordered after them).
data::Batch batch_to(const data::Batch& b, Device d) {
  data::Batch o = b;
  for (Tensor* t : {&o.hr, &o.lr, &o.masked, &o.label})
    if (t->defined()) *t = t->to(d);
  return o;
}

}  // namespace

RunSummary run_training(const TrainConfig& cfg, const RunOptions& opt) {
  // One GPU per rank: the rank's index on its node picks it.
  const Device dev = cfg.device == "cuda" ? cuda_device(dist::local_rank()) : cpu();
  KD_CHECK(dev.is_cpu() || cuda::available(), "device \"cuda\": ", cuda::unavailable_reason(),
           " (set \"device\": \"cpu\")");
  KD_CHECK(!opt.out_dir.empty(), "--out RUN_DIR is required");
  // Every rank reads the config, the data and the checkpoints; rank 0 alone writes.
  dist::Communicator& comm = dist::world();
  const bool lead = comm.rank() == 0;
  KD_CHECK(cfg.batch % comm.size() == 0, "data.batch ", cfg.batch, " is the global batch and must divide among the ",
           comm.size(), " ranks");
  KD_CHECK(cfg.batch / comm.size() >= 2 || cfg.sync_bn, "data.batch ", cfg.batch, " over ", comm.size(),
           " ranks leaves ", cfg.batch / comm.size(), " sample per rank: BatchNorm needs 2 (or set data.sync_bn)");
  fs::create_directories(opt.out_dir);
  const std::string ckpt_dir = (fs::path(opt.out_dir) / "checkpoints").string();
  fs::create_directories(ckpt_dir);
  const std::string cfg_path = (fs::path(opt.out_dir) / "config.json").string();

  // A resumed run must be the same run: the resolved configs have to agree.
  std::string resume_from;
  if (opt.resume) {
    std::vector<std::string> skipped;
    resume_from = latest_checkpoint(ckpt_dir, &skipped);
    for (auto& s : skipped) std::fprintf(stderr, "kdface-train: ignoring %s\n", s.c_str());
    if (fs::exists(cfg_path)) {
      // Re-resolved, so a run written before a config key existed resumes under that key's default.
      json before = parse_train_config(load_config(cfg_path), cfg_path).raw;
      json diff = json::diff(before, cfg.raw);
      KD_CHECK(diff.empty(), "--resume: the config differs from ", cfg_path, " (", diff.dump(),
               "); resume with the same config and --set options, or start a new --out folder");
    }
    if (resume_from.empty()) std::fprintf(stderr, "kdface-train: --resume: no checkpoint in %s, starting fresh\n", ckpt_dir.c_str());
  } else {
    KD_CHECK(latest_checkpoint(ckpt_dir).empty(), opt.out_dir,
             " already holds checkpoints: pass --resume to continue that run, or choose another --out");
  }
  if (lead) {
    remove_stale_temp_files(opt.out_dir);
    remove_stale_temp_files(ckpt_dir);
    write_file_atomic(cfg_path, cfg.raw.dump(2) + "\n");
  }

  data::Loader loader(loader_config(cfg, comm));
  const int64_t classes = loader.num_classes();
  const int64_t bpe = loader.batches_per_epoch();
  KD_CHECK(bpe > 0, cfg.train_shards, ": ", loader.size(), " images is less than one batch of ", cfg.batch);
  int64_t total_steps = cfg.epochs * bpe;
  if (cfg.max_steps > 0) total_steps = std::min(total_steps, cfg.max_steps);

  // Tensor collectives go where the tensors are: NCCL between GPUs, MPI between CPU processes.
  std::unique_ptr<dist::Communicator> gpu_comm;
  if (!dev.is_cpu() && comm.size() > 1) gpu_comm = dist::make_nccl(comm, dev.index);
  dist::Communicator& tensor_comm = gpu_comm ? *gpu_comm : comm;
  StudentNet student(cfg, classes, &tensor_comm);
  const bool sharded_head = student.head_comm != nullptr;
  std::unique_ptr<TeacherNet> teacher;
  if (cfg.has_teacher) teacher = std::make_unique<TeacherNet>(cfg, classes);
  // Before the optimiser restores its momentum buffers: they are made on each parameter's device.
  student.to(dev);
  if (teacher) teacher->to(dev);

  SGD sgd(student.named_parameters(), sgd_options(cfg));
  const bool per_epoch = cfg.schedule_unit == "epoch";
  LrSchedule sched = make_schedule(cfg, per_epoch ? cfg.epochs : total_steps);

  int64_t step = 0;
  RunLog log(opt.out_dir, lead);
  if (!resume_from.empty()) {
    Checkpoint ck = load_checkpoint(resume_from);
    if (sharded_head) shard_checkpoint_head(ck, comm.rank(), comm.size());
    ck.restore_model(student);
    ck.restore_optimizer(sgd);
    step = ck.step;
    if (lead) std::fprintf(stderr, "kdface-train: resumed from %s at step %lld\n", resume_from.c_str(), (long long)step);
  }
  // Lines of the steps that died with a killed process; with no checkpoint to resume from
  // (killed before its first one), all of its step lines, or they would appear twice.
  log.truncate_after(step);
  DataParallel dp(tensor_comm, student, cfg.sync_bn, dist::GradReducer::kDefaultBucketBytes,
                  sharded_head ? std::set<std::string>{kHeadParam} : std::set<std::string>{});
  if (dp.active()) {
    Tensor at = Tensor::full({1}, double(step), DType::I64);
    comm.max(at);
    KD_CHECK(int64_t(at.item()) == step, "rank ", comm.rank(), " resumes at step ", step, " but another rank at step ",
             int64_t(at.item()), ": every rank must see the same ", ckpt_dir, " (a shared file system)");
    dp.broadcast_state(student);
  }
  log.write({{"event", "start"}, {"step", step}, {"total_steps", total_steps}, {"images", loader.size()},
             {"classes", classes}, {"batches_per_epoch", bpe}, {"student_params", student.num_parameters()},
             {"resumed_from", resume_from}, {"ranks", comm.size()}, {"communicator", comm.name()}});

  RunSummary sum;
  sum.last_checkpoint = resume_from;
  LossStep losses(cfg, student, teacher.get());
  auto save = [&](int64_t at_step) {
    Checkpoint ck;
    ck.model = student.state_dict();
    ck.optim = sgd.state_dict();
    if (sharded_head) gather_checkpoint_head(ck, *student.head_comm, classes);  // every rank takes part
    if (!lead) return;
    ck.step = at_step;
    ck.epoch = at_step / bpe;
    ck.meta = {{"config", cfg.raw}, {"classes", classes}};
    std::string path = checkpoint_path(ckpt_dir, at_step);
    // A finite loss does not prove finite weights (an update can overflow them); the last
    // good checkpoint must stay the newest.
    const std::string bad = find_non_finite(ck);
    if (!bad.empty()) {
      log.write({{"event", "nan"}, {"step", at_step}, {"term", "parameters"}, {"tensor", bad},
                 {"last_checkpoint", sum.last_checkpoint}});
      KD_FAIL(bad, " is not finite after step ", at_step, "; stopping without writing ", path,
              ". The last good checkpoint is ",
              sum.last_checkpoint.empty() ? std::string("(none written yet)") : sum.last_checkpoint,
              "; lower optim.lr or check the data");
    }
    save_checkpoint(path, ck);
    prune_checkpoints(ckpt_dir, cfg.keep_checkpoints);
    sum.last_checkpoint = path;
    log.write({{"event", "checkpoint"}, {"step", at_step}, {"path", path}});
  };

  std::unique_ptr<EpochEvaluator> evaluator;
  if (!cfg.eval_pairs.empty() && lead) evaluator = std::make_unique<EpochEvaluator>(cfg);
  auto evaluate_epoch = [&](int64_t ep) {
    json ev = evaluator->evaluate(student, ep);
    ev["event"] = "eval";
    ev["epoch"] = ep;
    ev["step"] = step;
    log.write(ev);
    sum.best_accuracy = std::max(sum.best_accuracy, ev.value("accuracy", -1.0));
    if (!opt.quiet) std::fprintf(stderr, "\nepoch %lld eval: %s\n", (long long)ep, ev.value("summary", std::string()).c_str());
  };

  int64_t epoch = step / bpe;
  loader.start(epoch, step % bpe);
  student.train();
  std::unique_ptr<Progress> bar;
  if (!opt.quiet && lead) bar = std::make_unique<Progress>(cfg.name, total_steps, "step", step);
  auto t_start = std::chrono::steady_clock::now();
  int64_t images_since = 0, first_step = step;
  auto t_window = t_start;
  data::Batch batch;
  std::set<int64_t> corrupt_seen;  // distinct unreadable records met by this process
  while (step < total_steps) {
    const bool more = loader.next(batch);
    for (size_t i = 0; i < batch.corrupt.size() && more; ++i) {
      if (!corrupt_seen.insert(batch.corrupt_records[i]).second) continue;
      log.write({{"event", "corrupt"}, {"step", step}, {"epoch", epoch}, {"count", corrupt_seen.size()},
                 {"record", batch.corrupt[i]}});
      std::fprintf(stderr, "kdface-train: data.on_corrupt \"skip\": skipping %s (%zu of data.max_corrupt %lld)\n",
                   batch.corrupt[i].c_str(), corrupt_seen.size(), (long long)cfg.max_corrupt);
      KD_CHECK(int64_t(corrupt_seen.size()) <= cfg.max_corrupt, "more than data.max_corrupt = ", cfg.max_corrupt,
               " records of ", cfg.train_shards, " are unreadable; the last: ", batch.corrupt[i]);
    }
    if (!more) {
      ++sum.epochs_done;
      if (evaluator) {
        evaluate_epoch(epoch);
        student.train();
      }
      loader.start(++epoch, 0);
      continue;
    }
    const double lr = sched.lr_at(per_epoch ? epoch : step);
    LossValues lv = optimisation_step(losses, sgd, lr, dev.is_cpu() ? batch : batch_to(batch, dev), step,
                                      cfg.precision == "bf16", dp.active() ? &dp : nullptr);
    if (!lv.finite) {
      log.write({{"event", "nan"}, {"step", step}, {"term", lv.bad_term}, {"last_checkpoint", sum.last_checkpoint}});
      KD_FAIL("loss term \"", lv.bad_term, "\" is ", lv.bad_value, " at step ", step, " (epoch ", epoch,
              "); stopping. The last good checkpoint is ",
              sum.last_checkpoint.empty() ? std::string("(none written yet)") : sum.last_checkpoint,
              "; lower optim.lr or check the data");
    }
    ++step;
    images_since += cfg.batch;
    sum.last_loss = lv.values.at("total");

    if (step % cfg.log_every == 0 || step == total_steps) {
      dp.average(lv.values);  // every rank, at the same steps
      auto now = std::chrono::steady_clock::now();
      double window = std::chrono::duration<double>(now - t_window).count();
      double img_s = window > 0 ? double(images_since) / window : 0.0;
      double elapsed = std::chrono::duration<double>(now - t_start).count();
      double eta = step > first_step ? elapsed / double(step - first_step) * double(total_steps - step) : 0.0;
      json line = {{"event", "step"}, {"step", step}, {"epoch", epoch}, {"lr", lr},
                   {"loss", lv.values}, {"img_s", img_s}, {"eta_s", eta}};
      log.write(line);
      if (bar) {
        std::string extra = "ep " + std::to_string(epoch) + " " + format_losses(lv.values) +
                            kd::str(" lr ", lr, " ", int(img_s), " img/s");
        bar->update(step, extra);
      }
      images_since = 0;
      t_window = now;
    }
    if (step % cfg.checkpoint_every == 0 || step == total_steps) save(step);
    if (opt.stop_after > 0 && step >= opt.stop_after) {
      if (step % cfg.checkpoint_every != 0 && step != total_steps) save(step);
      if (bar) bar->finish("stopped by --stop-after");
      sum.steps = step;
      return sum;
    }
  }
  // The last epoch's evaluation when the loop ended on the step count.
  if (evaluator && step % bpe == 0 && sum.epochs_done < step / bpe) {
    evaluate_epoch(epoch);
    ++sum.epochs_done;
  }
  if (bar) bar->finish();
  log.write({{"event", "end"}, {"step", step}, {"last_checkpoint", sum.last_checkpoint}, {"best_accuracy", sum.best_accuracy}});
  sum.steps = step;
  return sum;
}

}  // namespace kd::train
