/** Mirrors nodes/knowledge_retrieval.py KnowledgeRetrievalConfig. */
export interface RetrievalConfig {
  knowledge_bases: string[];
  mode: 'vector' | 'keyword' | 'hybrid';
  top_k: number;
  score_threshold?: number | null;
  weights?: { vector: number; keyword: number } | null;
  /** A sentence-transformers CrossEncoder (local path or name). */
  rerank?: { model: string } | null;
}

export const retrievalDefaults = (): RetrievalConfig => ({
  knowledge_bases: [], mode: 'hybrid', top_k: 3, score_threshold: 0.3,
});

export const retrievalOutputs = (): Record<string, string> => ({ output_list: 'array[object]' });
