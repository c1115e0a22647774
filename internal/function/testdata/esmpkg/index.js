const started = await Promise.resolve('top-level await');
export const handler = async (event) => ({ esm: 'package type module', started, echo: event });
