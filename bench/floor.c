// The store alone, in C, over a graph bench/floor.ts recorded: what a
// Spin-style checker's store costs per state on this machine, with the
// steps, the census and the canonical forms free. Per successor: copy
// the parent, write the bytes its step wrote, hash (floor.ts's hash),
// probe an open-addressed table of one-word slots, compare; if absent,
// hash and intern its canonical form (recorded). Prints the best time.
// Usage: floor DIR WIDTH REPEATS, DIR holding root.bin, counts.bin,
// diff.bin and forms.bin.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int W, WORDS;
static uint8_t *store;
static uint32_t *hashes, *table;
static int32_t *parent;
static uint32_t bits, mask;
static int count;
static size_t cap;

static void *readAll(const char *dir, const char *name, size_t *n) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); exit(2); }
  fseek(f, 0, SEEK_END);
  *n = (size_t)ftell(f);
  rewind(f);
  void *b = malloc(*n + 1);
  if (fread(b, 1, *n, f) != *n) { perror(path); exit(2); }
  fclose(f);
  return b;
}

static uint32_t hashOf(const int32_t *w) {
  uint32_t h = 0x9747b28c, g = 0x2f693a1d;
  int i = 0;
  for (; i + 1 < WORDS; i += 2) {
    h = (h ^ (uint32_t)w[i]) * 0x5bd1e995u;
    g = (g ^ (uint32_t)w[i + 1]) * 0x5bd1e995u;
    h ^= h >> 15;
    g ^= g >> 15;
  }
  if (i < WORDS) { h = (h ^ (uint32_t)w[i]) * 0x5bd1e995u; h ^= h >> 15; }
  h = (h ^ ((g ^ (g >> 16)) * 0x85ebca6bu)) * 0x5bd1e995u;
  return ((h ^ (h >> 13)) * 0xc2b2ae35u) ^ (h >> 16);
}

// the index of the stored state `s` (hash h), or -1; *at is the empty slot it would take
static int find(const uint8_t *s, uint32_t h, uint32_t *at) {
  uint32_t tag = h >> bits, slot = h & mask;
  for (;; slot = (slot + 1) & mask) {
    uint32_t e = table[slot];
    if (!e) break;
    if ((e >> bits) == tag && !memcmp(store + (size_t)((e & mask) - 1) * W, s, W)) return (int)(e & mask) - 1;
  }
  *at = slot;
  return -1;
}

static void rehash(void) {
  bits++;
  mask = (1u << bits) - 1;
  free(table);
  table = calloc((size_t)mask + 1, 4);
  for (int j = 0; j < count; j++) {
    uint32_t h = hashes[j], slot = h & mask;
    while (table[slot]) slot = (slot + 1) & mask;
    table[slot] = ((h >> bits) << bits) | (uint32_t)(j + 1);
  }
}

static void intern(const uint8_t *s, uint32_t h, int par) {
  uint32_t slot;
  if (find(s, h, &slot) >= 0) return;
  if ((size_t)count == cap) {
    cap *= 2;
    store = realloc(store, cap * W);
    hashes = realloc(hashes, cap * 4);
    parent = realloc(parent, cap * 4);
  }
  int j = count++;
  memcpy(store + (size_t)j * W, s, W);
  hashes[j] = h;
  parent[j] = par;
  table[slot] = ((h >> bits) << bits) | (uint32_t)(j + 1);
  if ((uint32_t)count * 2 > mask) rehash();
}

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: floor DIR WIDTH REPEATS\n"); return 2; }
  size_t n;
  const uint8_t *root = readAll(argv[1], "root.bin", &n);
  const int32_t *counts = readAll(argv[1], "counts.bin", &n);
  const int states = (int)(n / 4);
  const int32_t *diff = readAll(argv[1], "diff.bin", &n);
  const uint8_t *forms = readAll(argv[1], "forms.bin", &n);
  W = atoi(argv[2]);
  WORDS = W / 4;
  int32_t slotWords[256], formWords[256];
  uint8_t *slot = (uint8_t *)slotWords, *form = (uint8_t *)formWords;
  double best = 1e9;
  for (int r = atoi(argv[3]); r > 0; r--) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cap = 1 << 12;
    count = 0;
    bits = 10;
    mask = (1u << bits) - 1;
    store = malloc(cap * W);
    hashes = malloc(cap * 4);
    parent = malloc(cap * 4);
    table = calloc((size_t)mask + 1, 4);
    memcpy(form, root, W);
    intern(form, hashOf(formWords), -1);
    size_t d = 0, f = 0;
    uint32_t unused;
    for (int i = 0; i < states && i < count; i++)
      for (int c = 0; c < counts[i]; c++) {
        memcpy(slot, store + (size_t)i * W, W);
        for (int k = diff[d++]; k > 0; k--, d++) slot[diff[d] >> 8] = (uint8_t)(diff[d] & 255);
        if (find(slot, hashOf(slotWords), &unused) >= 0) continue;
        memcpy(form, forms + f++ * W, W);
        intern(form, hashOf(formWords), i);
      }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (s < best) best = s;
    if (count != states) { fprintf(stderr, "stored %d states, recorded %d\n", count, states); return 1; }
    free(store);
    free(hashes);
    free(parent);
    free(table);
  }
  printf("%.6f\n", best);
  return 0;
}
