import i18n from '../../i18n';
/** Mirrors nodes/document_extractor.py DocumentExtractorConfig. */
export interface DocumentExtractorConfig { multiple: boolean; max_chars?: number | null }

export const MAX_CHARS = 1_000_000;
export const FORMATS = 'PDF, DOCX, XLSX, TXT, Markdown, HTML, CSV, JSON';

export const documentExtractorDefaults = (): DocumentExtractorConfig => ({ multiple: false });

export function documentExtractorOutputs(config: DocumentExtractorConfig): Record<string, string> {
  return { text: config.multiple ? 'array[string]' : 'string' };
}

/** Whether an upstream output can feed the extractor (one file, or a list of files). */
export function isFileType(type: string): boolean {
  return type === 'file' || type === 'array[file]' || type === 'any';
}

/** What the editor marks before saving when the picked input and `multiple` disagree. */
export function fileInputProblem(type: string | undefined, multiple: boolean): string | null {
  if (!type || type === 'any') return null;
  if (type === 'array[file]' && !multiple) return i18n.t('nodes:problems.fileList');
  if (type === 'file' && multiple) return i18n.t('nodes:problems.oneFile');
  if (!isFileType(type)) return i18n.t('nodes:problems.notAFile', { type });
  return null;
}
