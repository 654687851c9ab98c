// Runs started in this folder get the repo's test limits (see ../../vitest.package.ts).
export { default } from '../../vitest.package.ts';
