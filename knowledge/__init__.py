"""Knowledge bases: parsing, cleaning, chunking, embedding, FAISS + BM25 indexes, rerank, retrieval."""
