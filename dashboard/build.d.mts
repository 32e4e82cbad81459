export function bundle(): Promise<Record<string, string>>;
