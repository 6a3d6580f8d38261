import pkg from '../package.json';

export const SERVICE_NAME: string = pkg.name;
export const SERVICE_VERSION: string = pkg.version;
