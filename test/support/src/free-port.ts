export { freePort } from '@portcullis/local-postgres';
