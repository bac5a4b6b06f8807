"""One module per Dify node family; ``dify.mapping.MAPPERS`` maps each Dify node type to its mapper."""
