#!/usr/bin/python3
"""Writes the seed corpora of the text fuzz harnesses:
tests/fuzz/corpus/text_{jsonl,csv,json}/. Run from the source tree root.
The csv and json harnesses read their first byte as a switch (TSV or CSV;
declared array or sniffed), so their seeds start with one."""
import gzip
import json
import lzma
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fuzz", "corpus")

classification = [{"text": "a great film", "label": 1}, {"sentence": "dull", "label": "neg"},
                  {"content": "caf\u00e9 \"ok\"", "label": 2.5, "annotator": 7}]
instruction = [{"instruction": "Add", "input": "2 and 3", "output": 5},
               {"instruction": "Say hi", "response": "hi"}]
chat = [{"messages": [{"role": "system", "content": "Be brief."},
                      {"role": "user", "content": "Hi"},
                      {"role": "assistant", "content": "Hello"},
                      {"role": "user", "content": [{"type": "text", "text": "part"}]},
                      {"role": "assistant", "content": "Paris"}]},
        {"conversations": [{"from": "human", "value": "2+2?"}, {"from": "gpt", "value": 4}]}]
preference = [{"prompt": "p", "chosen": "c", "rejected": "r", "worker_id": 3},
              {"prompt": "p", "chosen": [{"role": "user", "content": "p"},
                                         {"role": "assistant", "content": "c"}],
               "rejected": "r", "rater": "a"}]


def jsonl(rows):
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def write(harness, name, data):
    d = os.path.join(ROOT, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


for name, rows in [("classification", classification), ("instruction", instruction),
                   ("chat", chat), ("preference", preference)]:
    write("text_jsonl", name + ".jsonl", jsonl(rows))
    write("text_json", name + ".json", b"\0" + json.dumps(rows, indent=1).encode())
write("text_jsonl", "bad-rows.jsonl",
      b'{"text": "a", "label": 0}\n{"text": "b", "label": \n[1, 2]\n'
      b'{"text": "bad \xff", "label": 0}\n{"text": "x", "text": "y"}\n'
      b'\xef\xbb\xbf\r\n{"text": "\\u0000"}\n{"text": "\\ud800"}\n{"text": "last"}')
write("text_jsonl", "classification.jsonl.gz", gzip.compress(jsonl(classification), mtime=0))
write("text_jsonl", "chat.jsonl.xz", lzma.compress(jsonl(chat)))
write("text_json", "scalars-and-nesting.json",
      b'\0[{"a": "]}\\"", "b": [1, {"c": "}"}]}, "s", 42, true, null, {"instruction": tru}]')
write("text_json", "sniffed-jsonl.json", b"\1" + jsonl(instruction))
write("text_json", "broken.json", b'\0[{"a": 1} {"a": 2}')
write("text_csv", "quoting.csv",
      b'\0id,Text,LABEL,note\r\n1,plain,pos,x\r\n2,"with, comma",neg,"say ""hi"""\r\n'
      b'3,"two\nlines\r\nhere",pos,\n\n4,he said "no" twice,neg,""\n5,,pos,y\n6,short,row\n'
      b'7,"closed"junk,pos,z\n8,caf\xc3\xa9,pos,z\n9,\xc3\x28,pos,z\n10,last,neg,"unterminated')
write("text_csv", "preference.tsv",
      b'\1prompt\tchosen\trejected\tworker_id\np\t"c\tc"\tr\t3\n\xef\xbb\xbfp2\tc2\tr2\t4\r\n')
write("text_csv", "instruction.csv.gz",
      b"\0" + gzip.compress(b"instruction,input,output\nAdd,2 and 3,5\n\"Say\",,hi\n", mtime=0))
