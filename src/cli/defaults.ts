export const defaultDataDir = './pciq-data';
export const defaultKeyFile = './pciq-keys/master.key';
export const defaultPort = 9324;
export const defaultHost = '127.0.0.1';
export const defaultRegion = 'us-east-1';
