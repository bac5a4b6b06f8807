/** Mirrors the code node config of DESIGN §3. */
export interface CodeConfig {
  language: 'python';
  code: string;
  outputs: Record<string, string>;
  timeout_s?: number | null;
}

export const codeDefaults = (): CodeConfig => ({
  language: 'python',
  code: 'def main(args: dict) -> dict:\n    return {"result": args.get("input")}\n',
  outputs: { result: 'string' },
});

export const codeOutputs = (config: CodeConfig): Record<string, string> => ({ ...(config.outputs ?? {}) });
