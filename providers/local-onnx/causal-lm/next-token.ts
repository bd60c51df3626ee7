/** How the next token is chosen from the last position's logits. */
export interface Sampling {
  /** 0 (the default) is greedy. */
  temperature?: number;
  topP?: number;
  topK?: number;
  /** Required for reproducible sampling; ignored when greedy. */
  random?: () => number;
}

export function argmax(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if ((logits[i] as number) > (logits[best] as number)) best = i;
  return best;
}

/** Greedy when temperature is 0 or unset; else softmax(logits / T) cut to top-k, then to nucleus p. */
export function nextToken(logits: Float32Array, sampling: Sampling): number {
  const temperature = sampling.temperature ?? 0;
  if (temperature <= 0) return argmax(logits);
  let order = Array.from(logits.keys()).sort((a, b) => (logits[b] as number) - (logits[a] as number));
  if (sampling.topK && sampling.topK > 0) order = order.slice(0, sampling.topK);
  const max = logits[order[0] as number] as number;
  let probs = order.map((i) => Math.exp(((logits[i] as number) - max) / temperature));
  const total = probs.reduce((a, b) => a + b, 0);
  probs = probs.map((p) => p / total);
  if (sampling.topP !== undefined && sampling.topP < 1) {
    let kept = 0;
    let mass = 0;
    while (kept < probs.length && mass < sampling.topP) mass += probs[kept++] as number;
    order = order.slice(0, kept);
    probs = probs.slice(0, kept).map((p) => p / mass);
  }
  let r = (sampling.random ?? Math.random)();
  for (let i = 0; i < order.length; i++) {
    r -= probs[i] as number;
    if (r <= 0) return order[i] as number;
  }
  return order[order.length - 1] as number;
}
